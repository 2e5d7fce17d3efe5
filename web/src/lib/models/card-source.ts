import type { ModelCard } from "@neuroledger/sdk/card";
import { cidFromChain } from "@neuroledger/sdk/chain";
import { cardFromKeyring, parseKeyring } from "@neuroledger/sdk/crypto";
import { createGatewayReader } from "@neuroledger/sdk/ipfs";
import type { ChainModel } from "../chain/registry.ts";
import type { AppConfig } from "../config.ts";

/** The publishing institution's trustless gateway, or the default one. */
export function gatewayFor(config: AppConfig, institutionAccount: string | null): string | null {
  return (
    (institutionAccount && config.gateways[institutionAccount.toLowerCase()]) ||
    config.gateways.default ||
    null
  );
}

/**
 * The card of a registry model. The registry stores no card: it travels in the model's keyring
 * on IPFS (not secret), read here through the institution's gateway (every block verified against
 * its CID) and checked to describe exactly the model with the on-chain sha256.
 */
export async function fetchCard(
  config: AppConfig,
  model: Pick<ChainModel, "keyring" | "sha256">,
  institutionAccount: string | null,
): Promise<ModelCard> {
  const gateway = gatewayFor(config, institutionAccount);
  if (!gateway) throw new Error("No IPFS gateway is configured to read the model card from.");
  const reader = await createGatewayReader({ gateways: [gateway], timeoutMs: 15_000 });
  try {
    const keyring = parseKeyring(
      await reader.bytes(cidFromChain(model.keyring), { maxBytes: 1024 * 1024 }),
    );
    return cardFromKeyring(keyring, model.sha256);
  } finally {
    await reader.stop();
  }
}
