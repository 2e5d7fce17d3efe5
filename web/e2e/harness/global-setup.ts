import { startWebServer } from "../../server.js";
import { startChainNode } from "./chain-node.ts";

/**
 * Starts what every e2e test shares, once: the chain node and the built web app's production
 * server (the one `neuroledger up` serves), both on free ports of 127.0.0.1.
 * Tests read the URLs from the environment; the returned function stops everything.
 */
export default async function globalSetup() {
  const chain = await startChainNode();
  process.env.NEUROLEDGER_RPC_URL = chain.rpcUrl;
  process.env.NEUROLEDGER_CHAIN_ID = "31337";
  const web = await startWebServer({ port: 0 });
  process.env.NEUROLEDGER_WEB_URL = web.url;
  return async () => {
    await web.close();
    await chain.stop();
  };
}
