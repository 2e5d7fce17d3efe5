import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, getAddress, type PublicClient } from "viem";
import { z } from "zod";
import { InvalidInputError } from "../errors.ts";

/** The part of `chain/deployments/<chainId>.json` (docs/interfaces.md §5) the allowlist needs. */
export type Deployment = {
  chainId: number;
  deployBlock: bigint;
  membership: Address;
  registry: Address;
};

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  deployBlock: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
  contracts: z.object({
    membership: address,
    registry: z.object({ address }),
  }),
});

/** Where the chain package writes deployments (repo-relative: besu-network/../chain/deployments). */
const DEPLOYMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../chain/deployments");

export function parseDeployment(json: unknown, source: string): Deployment {
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError(
      `${source} is not a NeuroLedger deployment file:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const d = parsed.data;
  return {
    chainId: d.chainId,
    deployBlock: BigInt(d.deployBlock),
    membership: getAddress(d.contracts.membership),
    registry: getAddress(d.contracts.registry.address),
  };
}

/**
 * Reads the deployment of the chain behind `client`: the given file, or the chain package's
 * `deployments/<chainId>.json`. Refuses a deployment made on another chain.
 */
export async function loadDeployment(client: PublicClient, file?: string): Promise<Deployment> {
  const chainId = await client.getChainId();
  const path = file ?? join(DEPLOYMENTS_DIR, `${chainId}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new InvalidInputError(`No deployment file at ${path}`, {
      hint: "Deploy first (pnpm -C chain deploy --rpc <url>), or pass --deployment <file>.",
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${path} is not JSON`, { cause });
  }
  const deployment = parseDeployment(json, path);
  if (deployment.chainId !== chainId) {
    throw new InvalidInputError(
      `${path} is a deployment on chain ${deployment.chainId}, but the RPC serves chain ${chainId}`,
    );
  }
  return deployment;
}
