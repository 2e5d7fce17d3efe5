import { createPublicClient, http, type PublicClient } from "viem";
import type { AppConfig } from "../config.ts";
import { consortiumChain } from "../wallet/chain.ts";

let cached: { key: string; client: PublicClient } | null = null;

/** Read-only client for `load` functions (same endpoint as the wallet's reads: the `/rpc` proxy). */
export function publicClientFor(config: AppConfig): PublicClient {
  const url = new URL(config.chain.rpcUrl, location.origin).href;
  const key = `${config.chain.id}:${url}`;
  if (cached?.key !== key) {
    cached = {
      key,
      client: createPublicClient({
        chain: consortiumChain(config),
        transport: http(url),
      }) as PublicClient,
    };
  }
  return cached.client;
}

/** A transaction link when the chain has an explorer, else null (the hash is still shown). */
export const txUrl = (config: AppConfig, hash: string) =>
  config.chain.explorerUrl ? `${config.chain.explorerUrl.replace(/\/$/, "")}/tx/${hash}` : null;
