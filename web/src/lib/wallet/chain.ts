import { defineChain } from "viem";
import type { AppConfig } from "../config.ts";

/**
 * The consortium chain as viem and wallets see it. Wallets get absolute RPC URLs: the relative
 * `/rpc` of the config is resolved against `origin` (the page's).
 */
export function consortiumChain(config: AppConfig, origin = globalThis.location?.origin) {
  return defineChain({
    id: config.chain.id,
    name: config.chain.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [new URL(config.chain.walletRpcUrl, origin).href] } },
    blockExplorers: config.chain.explorerUrl
      ? { default: { name: "Explorer", url: config.chain.explorerUrl } }
      : undefined,
  });
}
