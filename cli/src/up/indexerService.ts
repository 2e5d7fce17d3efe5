import { rm } from "node:fs/promises";
import { join } from "node:path";
import { startIndexer } from "@neuroledger/indexer";
import type { UpService } from "./service.ts";

/**
 * The indexer (indexer/): Ponder on an embedded PGlite in `<dataDir>/indexer`, open API (dev
 * mode), on 127.0.0.1:NEUROLEDGER_INDEXER_PORT (default 42069, any free port when the chain port is
 * 0). `up` starts a fresh chain, so the old tables (and Ponder's RPC cache of that chain id) go.
 * Its URLs go to `stack.services.indexer`.
 */
export const indexerService: UpService = {
  name: "indexer",
  async start(ctx) {
    const { options, stack, log } = ctx;
    if (!stack.chain) throw new Error("the indexer needs the chain and deploy services before it");
    const dir = join(options.dataDir, "indexer");
    await rm(dir, { recursive: true, force: true });
    const port = Number(
      process.env.NEUROLEDGER_INDEXER_PORT ?? (options.chainPort === 0 ? 0 : 42069),
    );
    const indexer = await startIndexer({
      rpcUrl: stack.chain.rpcUrl,
      chainId: stack.chain.chainId,
      deploymentFile: stack.chain.deploymentFile,
      port: port || undefined,
      pgliteDir: join(dir, "pglite"),
      schema: "neuroledger",
      auth: "open",
      waitFor: "ready",
      timeoutMs: 180_000,
    });
    stack.services.indexer = {
      url: indexer.url,
      pid: indexer.pid,
      graphqlUrl: indexer.graphqlUrl,
      sqlUrl: indexer.sqlUrl,
      auditUrl: indexer.auditUrl,
    };
    log.info("indexer ready", { url: indexer.url });
    return {
      stop: () => indexer.stop(),
      summary: [`indexer    ${indexer.auditUrl} (audit API), ${indexer.graphqlUrl} (GraphQL)`],
    };
  },
};
