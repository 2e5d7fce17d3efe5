import { startWebServer } from "@neuroledger/web/server";
import type { UpService } from "./service.ts";

/**
 * The dApp (web/), built if needed and served with cross-origin isolation on 127.0.0.1:
 * NEUROLEDGER_WEB_PORT (default 5173, or any free port when the chain port is 0). It reads the chain, the institution
 * gateways (model cards come from the keyrings there) and the indexer (when that service runs
 * before it). Its URL goes to `stack.services.web`.
 */
export const webService: UpService = {
  name: "web",
  async start(ctx) {
    const { options, stack } = ctx;
    if (!stack.chain) throw new Error("the web app needs the chain and deploy services before it");
    const env: Record<string, string> = {
      NEUROLEDGER_RPC_URL: stack.chain.rpcUrl,
      NEUROLEDGER_CHAIN_ID: String(stack.chain.chainId),
      NEUROLEDGER_DEPLOYMENT: stack.chain.deploymentFile,
      NEUROLEDGER_GATEWAYS: JSON.stringify(
        Object.fromEntries(stack.institutions.map((i) => [i.account, i.ipfs.gatewayUrl])),
      ),
    };
    const indexer = stack.services.indexer?.url;
    if (indexer) env.NEUROLEDGER_INDEXER_URL = indexer;
    // Tests run `up` on free ports (chain port 0): the web app follows.
    const port = Number(process.env.NEUROLEDGER_WEB_PORT ?? (options.chainPort === 0 ? 0 : 5173));
    const web = await startWebServer({ port, env, build: true });
    stack.services.web = { url: web.url };
    return { stop: web.close };
  },
};
