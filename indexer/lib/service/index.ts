import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@neuroledger/chain/net";

export { freePort } from "@neuroledger/chain/net";

/** The indexer package's folder: Ponder runs there (it finds ponder.config.ts in its cwd). */
export const indexerRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type StartIndexerOptions = {
  /** JSON-RPC URL of the chain node, e.g. `http://127.0.0.1:8545`. */
  rpcUrl: string;
  chainId: number;
  /** Deployment file (docs/interfaces.md section 5); default: `chain/deployments/<chainId>.json`. */
  deploymentFile?: string;
  /** Port of the HTTP server (bound to 127.0.0.1); default: a free one. */
  port?: number;
  /** PostgreSQL connection string; without it PGlite stores the tables in `pgliteDir`. */
  databaseUrl?: string;
  /** PGlite folder; default `indexer/.ponder/pglite-<chainId>`. */
  pgliteDir?: string;
  /** Database schema Ponder writes to (max 45 characters); default `neuroledger`. */
  schema?: string;
  /** `open` (dev stack, default) or `siwe` (Sign-In with Ethereum + an on-chain role). */
  auth?: "open" | "siwe";
  /** Hex HMAC key for session tokens (>= 32 bytes); default random per process. */
  sessionSecret?: string;
  /**
   * Sign-In with Ethereum: the `domain` (host[:port] the users see) and optionally the origin
   * messages must name as URI. Required with `auth: "siwe"` (the indexer refuses to start
   * without); never taken from a request.
   */
  siwe?: { domain: string; uri?: string };
  /** Blocks to finality (QBFT: 0); default 16 on a dev chain (31337, 1337), else Ponder's. */
  finalityBlocks?: number;
  /** `/health` and `/ready` answer 503 when indexing makes no progress this long while the chain does (default 30 s). */
  stallMs?: number;
  pollingIntervalMs?: number;
  /**
   * Resolve once the HTTP server answers (`health`) or once backfill is done and the chain's head
   * (at that moment) is indexed (`ready`, default).
   */
  waitFor?: "health" | "ready";
  /** Bound on that wait; default 120 s. */
  timeoutMs?: number;
  /** Each line Ponder writes to stdout/stderr; default: dropped (still kept for error messages). */
  log?: (line: string) => void;
  /** Extra environment for the Ponder process. */
  env?: Record<string, string>;
};

export type IndexerHandle = {
  /** Base URL, e.g. `http://127.0.0.1:42069`. */
  url: string;
  graphqlUrl: string;
  sqlUrl: string;
  auditUrl: string;
  pid: number;
  /** The Ponder process, e.g. to kill it hard in a test. */
  process: ChildProcess;
  /** Resolves when backfill is done (`/ready` answers 200) and the chain's head of then is indexed. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Latest block Ponder has indexed (from `/status`), or undefined before the first one. */
  indexedBlock(): Promise<number | undefined>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
};

export class IndexerStartError extends Error {
  override name = "IndexerStartError";
}

function ponderBin(): string {
  // Through the package's node_modules link, not its real path in the pnpm store: started by the
  // real path, PGlite's initdb fails inside Ponder ("table index is out of bounds").
  return join(indexerRoot, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chainHead(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: string };
  if (!body.result) throw new IndexerStartError(`eth_blockNumber failed on ${rpcUrl}`);
  return Number(body.result);
}

/**
 * Starts the indexer (`ponder start`) against a running chain, on 127.0.0.1.
 *
 * @example
 * const indexer = await startIndexer({ rpcUrl: "http://127.0.0.1:8545", chainId: 31337 });
 * console.log(indexer.auditUrl); // http://127.0.0.1:<port>/audit
 * await indexer.stop();
 */
export async function startIndexer(options: StartIndexerOptions): Promise<IndexerHandle> {
  const port = options.port ?? (await freePort());
  const ponder = spawnPonder(
    port,
    options.schema ?? "neuroledger",
    ponderEnv(options),
    options.log,
  );
  const url = `http://127.0.0.1:${port}`;

  async function poll(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { exited } = ponder;
      if (exited) {
        throw ponder.failure(
          `ponder exited (code ${exited.code}, signal ${exited.signal}) before ${path} answered`,
        );
      }
      try {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw ponder.failure(`ponder did not answer ${path} within ${timeoutMs} ms`);
  }

  const handle: IndexerHandle = {
    url,
    graphqlUrl: `${url}/graphql`,
    sqlUrl: `${url}/sql`,
    auditUrl: `${url}/audit`,
    pid: ponder.child.pid ?? -1,
    process: ponder.child,
    waitUntilReady: (timeoutMs = options.timeoutMs ?? 120_000) => untilCaughtUp(timeoutMs),
    indexedBlock: () => indexedBlock(url),
    stop: (graceMs = 10_000) => ponder.stop(graceMs),
  };

  /**
   * `/ready` says backfill reached the finalized block; the blocks after it (the finality depth)
   * are indexed live a moment later. Ready = that, and the chain's head of then indexed too.
   */
  async function untilCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await poll("/ready", timeoutMs);
    const head = await chainHead(options.rpcUrl);
    while (Date.now() < deadline) {
      const { exited } = ponder;
      if (exited) throw ponder.failure(`ponder exited (code ${exited.code}) while catching up`);
      const indexed = await handle.indexedBlock().catch(() => undefined);
      if (indexed !== undefined && indexed >= head) return;
      await sleep(100);
    }
    throw ponder.failure(`ponder did not index up to block ${head} within ${timeoutMs} ms`);
  }

  try {
    if (options.waitFor === "health") await poll("/health", options.timeoutMs ?? 120_000);
    else await untilCaughtUp(options.timeoutMs ?? 120_000);
  } catch (error) {
    await handle.stop(2000);
    throw error;
  }
  return handle;
}

/** Latest block Ponder at `url` has indexed (from `/status`), or undefined before the first one. */
async function indexedBlock(url: string): Promise<number | undefined> {
  const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) return undefined;
  const status = (await res.json()) as Record<string, { block?: { number: number } }>;
  return Object.values(status)[0]?.block?.number;
}

/** The Ponder process's environment: ours, with the indexer's settings from `options`. */
function ponderEnv(options: StartIndexerOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NEUROLEDGER_RPC_URL: options.rpcUrl,
    NEUROLEDGER_CHAIN_ID: String(options.chainId),
    NEUROLEDGER_INDEXER_AUTH: options.auth ?? "open",
    NEUROLEDGER_PGLITE_DIR:
      options.pgliteDir ?? join(indexerRoot, ".ponder", `pglite-${options.chainId}`),
    DATABASE_URL: options.databaseUrl,
    DATABASE_PRIVATE_URL: undefined,
    DATABASE_SCHEMA: undefined,
    ...options.env,
  };
  if (options.deploymentFile) env.NEUROLEDGER_DEPLOYMENT = resolve(options.deploymentFile);
  if (options.sessionSecret) env.NEUROLEDGER_SESSION_SECRET = options.sessionSecret;
  if (options.pollingIntervalMs) env.NEUROLEDGER_POLLING_MS = String(options.pollingIntervalMs);
  if (options.siwe) {
    env.NEUROLEDGER_SIWE_DOMAIN = options.siwe.domain;
    if (options.siwe.uri) env.NEUROLEDGER_SIWE_URI = options.siwe.uri;
  }
  if (options.finalityBlocks !== undefined) {
    env.NEUROLEDGER_FINALITY_BLOCKS = String(options.finalityBlocks);
  }
  if (options.stallMs !== undefined) env.NEUROLEDGER_STALL_MS = String(options.stallMs);
  return env;
}

/**
 * Starts `ponder start` on 127.0.0.1:`port` with JSON logs, each line to `log`. Keeps the last
 * 40 lines for `failure` (an IndexerStartError that quotes them); `exited` is set when it ends.
 */
function spawnPonder(
  port: number,
  schema: string,
  env: Record<string, string | undefined>,
  log: ((line: string) => void) | undefined,
) {
  const child = spawn(
    process.execPath,
    [
      ponderBin(),
      "start",
      "--schema",
      schema,
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
      "--log-format",
      "json",
    ],
    { cwd: indexerRoot, env, stdio: ["pipe", "pipe", "pipe"] },
  );
  const recent: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      log?.(line);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const ponder = {
    child,
    exited: undefined as { code: number | null; signal: NodeJS.Signals | null } | undefined,
    failure: (what: string) =>
      new IndexerStartError(
        `${what}\n--- last lines from ponder ---\n${recent.slice(-20).join("\n")}`,
      ),
    /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
    async stop(graceMs: number) {
      if (ponder.exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
  const exitPromise = new Promise<void>((r) =>
    child.once("exit", (code, signal) => {
      ponder.exited = { code, signal };
      r();
    }),
  );
  return ponder;
}
