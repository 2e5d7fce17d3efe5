import { defineChain } from "viem";
import type { AppConfig } from "../config.ts";

/** The consortium chain as viem and wallets see it. */
export function consortiumChain(config: AppConfig) {
  return defineChain({
    id: config.chain.id,
    name: config.chain.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.chain.walletRpcUrl] } },
    blockExplorers: config.chain.explorerUrl
      ? { default: { name: "Explorer", url: config.chain.explorerUrl } }
      : undefined,
  });
}
