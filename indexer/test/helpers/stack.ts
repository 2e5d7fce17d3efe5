import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IndexedDeployment, loadDeployment } from "../../lib/contracts.ts";
import {
  freePort,
  type IndexerHandle,
  type StartIndexerOptions,
  startIndexer,
} from "../../lib/service/index.ts";
import { deployDev, type LocalChain, startChain } from "./chain.ts";
import { chainState, type Ledger, runScenario } from "./scenario.ts";

export const SESSION_SECRET = "5e".repeat(32);

export type ScenarioStack = {
  chain: LocalChain;
  deployment: IndexedDeployment;
  deploymentFile: string;
  ledger: Ledger;
  state: Awaited<ReturnType<typeof chainState>>;
  tmp: string;
  /** Starts an indexer against this chain (own PGlite folder unless `databaseUrl`). */
  indexer(options: Partial<StartIndexerOptions> & { schema: string }): Promise<IndexerHandle>;
  stop(): Promise<void>;
};

/** One chain, deployed and driven through the scenario, shared by the tests of a file. */
export async function startScenarioStack(): Promise<ScenarioStack> {
  const tmp = mkdtempSync(join(tmpdir(), "nl-indexer-test-"));
  const chain = await startChain();
  const started: IndexerHandle[] = [];
  try {
    const deploymentFile = await deployDev(chain.rpcUrl, tmp);
    const deployment = loadDeployment(chain.chainId, deploymentFile);
    const ledger = await runScenario(chain, deployment);
    const state = await chainState(chain, deployment, ledger);
    return {
      chain,
      deployment,
      deploymentFile,
      ledger,
      state,
      tmp,
      async indexer(options) {
        // Sign-in needs a configured domain: the indexer's own address, so its port comes first.
        const port = options.port ?? (options.auth === "siwe" ? await freePort() : undefined);
        const siwe = options.auth === "siwe" ? { domain: `127.0.0.1:${port}` } : undefined;
        const handle = await startIndexer({
          port,
          siwe,
          rpcUrl: chain.rpcUrl,
          chainId: chain.chainId,
          deploymentFile,
          pgliteDir: join(tmp, `pglite-${options.schema}`),
          sessionSecret: SESSION_SECRET,
          timeoutMs: 120_000,
          log: process.env.NL_TEST_PONDER_LOG
            ? (line) => console.error(`[ponder] ${line}`)
            : undefined,
          ...options,
        });
        started.push(handle);
        return handle;
      },
      async stop() {
        await Promise.all(started.map((h) => h.stop(5000)));
        await chain.stop();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await chain.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
