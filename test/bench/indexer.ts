// pnpm bench:indexer — backfill throughput and live lag of the indexer (indexer/).
//
// Events: real ModelDownloaded events of the registry, from its own recordDownload, on the chain
// package's local node (anvil) with the dev consortium deployed and one model published.
//  - main set (>= 100,000): BenchDownloader (indexer-downloader.sol, compiled here with solcjs)
//    calls recordDownload 500 times per transaction; six copies are made staff (two per founding
//    institution) by the institutions themselves, so the registry authorizes them like any staff.
//    ~400 events per block: backfill then measures the indexer, not the node.
//  - per-transaction set (20,000): one recordDownload transaction per event from the six dev
//    accounts allowed to download, 1,000 transactions a block (automine off, JSON-RPC batches of
//    eth_sendTransaction, evm_mine). Here anvil's eth_getBlockByNumber(full) (~0.6 s for a block of
//    1,000 transactions) bounds the rate; reported apart.
// Backfill: a fresh indexer (PGlite, the default; then PostgreSQL) indexes from the deployment
// block; events/s = events indexed / (Ponder's "Started backfill indexing" to "Completed backfill
// indexing", its own log clock). Live lag: automine on; >= 200 downloads one after another
// (random 50-250 ms gaps); per download, the time from its receipt being seen (polled every 5 ms)
// to its row being visible through GET /audit/downloads.
// Writes test/bench/indexer.json and prints a table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { devAccounts, modelRegistryAbi, TASK_ID } from "@neuroledger/chain";
import { ensureDeployment, startLocalNode } from "@neuroledger/chain/deploy";
import { startIndexer } from "@neuroledger/indexer";
import { startPostgres } from "@neuroledger/indexer/testing/postgres";
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const EVENTS = Number(process.env.BENCH_INDEXER_EVENTS ?? 100_000);
const PER_TX_EVENTS = Number(process.env.BENCH_INDEXER_PER_TX_EVENTS ?? 20_000);
const PER_CALL = 500;
const PER_BLOCK = 1000;
const LIVE_SAMPLES = Number(process.env.BENCH_INDEXER_LIVE ?? 200);
const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "nl-bench-indexer-"));
const cleanups: (() => Promise<unknown>)[] = [];
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 5000);

function compileDownloader(): { abi: Abi; bytecode: Hex } {
  const solc = createRequire(import.meta.url)("solc");
  const input = {
    language: "Solidity",
    sources: {
      "BenchDownloader.sol": {
        content: readFileSync(join(here, "indexer-downloader.sol"), "utf8"),
      },
    },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { BenchDownloader: ["abi", "evm.bytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length) throw new Error(`BenchDownloader does not compile: ${JSON.stringify(errors)}`);
  const c = out.contracts["BenchDownloader.sol"].BenchDownloader;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

/** One JSON-RPC call to `url`; throws the node's error message. */
async function jsonRpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** One JSON-RPC batch to `url`; throws the first call's error. */
async function jsonRpcBatch(url: string, calls: { method: string; params: unknown[] }[]) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c }))),
  });
  const answers = (await res.json()) as { id: number; error?: { message: string } }[];
  const failed = answers.find((a) => a.error);
  if (failed) throw new Error(`batch call ${failed.id}: ${failed.error?.message}`);
}

/** Counts the registry's ModelDownloaded events on chain (not the transactions sent). */
async function countDownloadEvents(
  client: ReturnType<typeof createPublicClient>,
  registry: Address,
  fromBlock: number,
  toBlock: number,
) {
  let n = 0;
  for (let from = fromBlock; from <= toBlock; from += 5) {
    const logs = await client.getContractEvents({
      address: registry,
      abi: modelRegistryAbi,
      eventName: "ModelDownloaded",
      fromBlock: BigInt(from),
      toBlock: BigInt(Math.min(toBlock, from + 4)),
    });
    n += logs.length;
  }
  return n;
}

/** A fresh chain with the dev consortium, one published model and a patient grant. */
async function makeChain() {
  const started = await startLocalNode({ port: 0, blockTime: 0, timeoutMs: 30_000 });
  // Stopped once only: a second stop of an exited node would wait for an exit that already came.
  let stopping: Promise<void> | undefined;
  const node = { ...started, stop: () => (stopping ??= started.stop()) };
  cleanups.unshift(() => node.stop());
  const transport = http(node.url, { retryCount: 0, timeout: 120_000 });
  const client = createPublicClient({ transport, pollingInterval: 20 });
  const chainId = await client.getChainId();
  const chain = {
    id: chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  } as const;
  const dir = mkdtempSync(join(tmp, "chain-"));
  const deployer = privateKeyToAccount(devAccounts.deployer.privateKey);
  const { deployment, path: deploymentFile } = await ensureDeployment({
    transport,
    deployer,
    dev: true,
    dir,
  });
  const registry = deployment.contracts.registry.address;
  const wallet = (key: Hex) =>
    createWalletClient({ account: privateKeyToAccount(key), chain, transport });
  const send = async (key: Hex, functionName: string, args: readonly unknown[]) => {
    const hash = await wallet(key).writeContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName,
      args,
    } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt;
  };
  const sha = keccak256(toBytes("bench model"));
  const published = await send(devAccounts.publisher.privateKey, "publish", [
    {
      content: { digest: sha, codec: 0x55 },
      keyring: { digest: keccak256(sha), codec: 0x70 },
      sha256: sha,
      metrics: {
        accuracy: 9000,
        precision: 9000,
        recall: 9000,
        f1: 9000,
        auc: 9000,
        testSetSize: 300,
      },
      taskId: TASK_ID,
      parentId: 0n,
      cardHash: keccak256(toBytes("bench card")),
      weightsHash: keccak256(toBytes("bench weights")),
    },
  ]);
  const [publishedLog] = parseEventLogs({
    abi: modelRegistryAbi,
    logs: published.logs,
    eventName: "ModelPublished",
  });
  const modelId = publishedLog!.args.modelId;
  const block = await client.getBlock();
  await send(devAccounts.institutionA.privateKey, "grantPatientAccess", [
    devAccounts.patient.address,
    modelId,
    block.timestamp + 30n * 86_400n,
  ]);
  const rpc = <T>(method: string, params: unknown[] = []) => jsonRpc<T>(node.url, method, params);
  const rpcBatch = (calls: { method: string; params: unknown[] }[]) =>
    jsonRpcBatch(node.url, calls);
  const countDownloads = (fromBlock: number, toBlock: number) =>
    countDownloadEvents(client, registry, fromBlock, toBlock);
  return {
    node,
    client,
    chainId,
    deploymentFile,
    registry,
    modelId,
    wallet,
    send,
    rpc,
    rpcBatch,
    countDownloads,
  };
}
type BenchChain = Awaited<ReturnType<typeof makeChain>>;

/** Main set: BenchDownloader contracts, staff of the three institutions, 500 downloads a call. */
async function generateViaHelper(c: BenchChain, events: number) {
  const { abi, bytecode } = compileDownloader();
  const started = performance.now();
  const institutions = [
    devAccounts.institutionA,
    devAccounts.institutionB,
    devAccounts.institutionC,
  ];
  const helpers: { address: Address; from: Hex }[] = [];
  for (const [i, institution] of [...institutions, ...institutions].entries()) {
    const from = [
      devAccounts.staff,
      devAccounts.publisher,
      devAccounts.deployer,
      devAccounts.auditor,
      devAccounts.nonMember,
      devAccounts.candidate,
    ][i]!.privateKey;
    const hash = await c.wallet(from).deployContract({ abi, bytecode });
    const address = (await c.client.waitForTransactionReceipt({ hash })).contractAddress!;
    await c.send(institution.privateKey, "addStaff", [address]);
    helpers.push({ address, from });
  }
  await c.rpc("evm_setBlockGasLimit", [`0x${(1_000_000_000).toString(16)}`]);
  const firstBlock = Number(await c.client.getBlockNumber({ cacheTime: 0 })) + 1;
  let made = 0;
  let k = 0;
  while (made < events) {
    const count = Math.min(PER_CALL, events - made);
    const h = helpers[k++ % helpers.length]!;
    const hash = await c.wallet(h.from).writeContract({
      address: h.address,
      abi,
      functionName: "download",
      args: [c.registry, c.modelId, BigInt(count)],
      gas: 30_000_000n,
    } as never);
    const receipt = await c.client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
    if (receipt.status !== "success") throw new Error("BenchDownloader.download reverted");
    made += count;
  }
  const lastBlock = Number(await c.client.getBlockNumber({ cacheTime: 0 }));
  return { firstBlock, lastBlock, seconds: (performance.now() - started) / 1000, transactions: k };
}

/** Per-transaction set: one recordDownload transaction per event, 1,000 a block. */
async function generatePerTx(c: BenchChain, events: number) {
  const downloaders: Address[] = [
    devAccounts.institutionA.address,
    devAccounts.institutionB.address,
    devAccounts.institutionC.address,
    devAccounts.publisher.address,
    devAccounts.staff.address,
    devAccounts.patient.address,
  ];
  const data = encodeFunctionData({
    abi: modelRegistryAbi,
    functionName: "recordDownload",
    args: [c.modelId],
  });
  const started = performance.now();
  await c.rpc("evm_setAutomine", [false]);
  await c.rpc("evm_setBlockGasLimit", [`0x${(200_000_000).toString(16)}`]);
  const firstBlock = Number(await c.client.getBlockNumber({ cacheTime: 0 })) + 1;
  // Nonces are counted here: anvil does not see the earlier transactions of the same batch.
  const nonces = await Promise.all(
    downloaders.map((address) => c.client.getTransactionCount({ address, blockTag: "pending" })),
  );
  let sent = 0;
  while (sent < events) {
    const n = Math.min(PER_BLOCK, events - sent);
    await c.rpcBatch(
      Array.from({ length: n }, (_, i) => {
        const who = (sent + i) % downloaders.length;
        const nonce = nonces[who]!;
        nonces[who] = nonce + 1;
        return {
          method: "eth_sendTransaction",
          params: [
            {
              from: downloaders[who],
              to: c.registry,
              data,
              gas: "0x186a0",
              nonce: `0x${nonce.toString(16)}`,
            },
          ],
        };
      }),
    );
    await c.rpc("evm_mine");
    sent += n;
  }
  await c.rpc("evm_setAutomine", [true]);
  const lastBlock = Number(await c.client.getBlockNumber({ cacheTime: 0 }));
  return {
    firstBlock,
    lastBlock,
    seconds: (performance.now() - started) / 1000,
    transactions: events,
  };
}

/** Indexes the chain from scratch; resolves once backfill is done. */
async function backfill(c: BenchChain, label: string, expected: number, databaseUrl?: string) {
  const times: { start?: number; end?: number } = {};
  let events = 0;
  const wallStart = performance.now();
  const indexer = await startIndexer({
    rpcUrl: c.node.url,
    chainId: c.chainId,
    deploymentFile: c.deploymentFile,
    databaseUrl,
    pgliteDir: join(tmp, `pglite-${label}`),
    schema: `bench_${label}`,
    auth: "open",
    timeoutMs: 900_000,
    log: (line) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(`[${label}] ${line.slice(0, 600)}\n`);
      try {
        const entry = JSON.parse(line) as { msg?: string; time?: number; event_count?: number };
        if (entry.msg === "Started backfill indexing") times.start = entry.time;
        if (entry.msg?.startsWith("Completed backfill indexing")) times.end = entry.time;
        if (entry.msg === "Indexed block range") events += entry.event_count ?? 0;
      } catch {
        // not a JSON log line
      }
    },
  });
  cleanups.unshift(() => indexer.stop());
  const wallS = (performance.now() - wallStart) / 1000;
  if (times.start === undefined || times.end === undefined)
    throw new Error(`${label}: backfill log lines missing`);
  const backfillS = (times.end - times.start) / 1000;
  const page = (await (await fetch(`${indexer.auditUrl}/downloads?pageSize=1`)).json()) as {
    total: number;
  };
  if (page.total !== expected)
    throw new Error(`${label}: the indexer holds ${page.total} downloads, expected ${expected}`);
  process.stderr.write(`${label}: ${events} events in ${backfillS.toFixed(1)} s\n`);
  return {
    indexer,
    result: {
      database: label.startsWith("postgres") ? "postgresql" : "pglite",
      events,
      downloads: page.total,
      backfillS: round(backfillS, 2),
      eventsPerSecond: round(events / backfillS),
      startToReadyS: round(wallS, 2),
    },
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const round = (x: number, digits = 0) => Number(x.toFixed(digits));

try {
  // --- main set: generation, PGlite backfill, live lag, PostgreSQL backfill --------------------
  const main = await makeChain();
  const generated = await generateViaHelper(main, EVENTS);
  const onChain = await main.countDownloads(generated.firstBlock, generated.lastBlock);
  if (onChain !== EVENTS)
    throw new Error(`expected ${EVENTS} ModelDownloaded events on chain, found ${onChain}`);
  process.stderr.write(
    `main set: ${onChain} events in blocks ${generated.firstBlock}-${generated.lastBlock}, ${generated.transactions} transactions (${generated.seconds.toFixed(1)} s)\n`,
  );
  const lite = await backfill(main, "pglite", EVENTS);

  const lags: number[] = [];
  const staff = main.wallet(devAccounts.staff.privateKey);
  const data = encodeFunctionData({
    abi: modelRegistryAbi,
    functionName: "recordDownload",
    args: [main.modelId],
  });
  for (let i = 0; i < LIVE_SAMPLES; i++) {
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    const hash = await staff.sendTransaction({ to: main.registry, data, gas: 100_000n });
    const receipt = await main.client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
    const mined = performance.now();
    const since = new Date(
      Number((await main.client.getBlock({ blockNumber: receipt.blockNumber })).timestamp) * 1000,
    ).toISOString();
    const url = `${lite.indexer.auditUrl}/downloads?account=${devAccounts.staff.address}&from=${encodeURIComponent(since)}&pageSize=1000`;
    for (;;) {
      const body = (await (await fetch(url)).json()) as { rows: { txHash: string }[] };
      if (body.rows.some((r) => r.txHash === hash)) break;
      if (performance.now() - mined > 30_000)
        throw new Error(`download ${hash} not visible after 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    lags.push(performance.now() - mined);
  }
  lags.sort((a, b) => a - b);
  await lite.indexer.stop();

  const pg = await startPostgres();
  cleanups.unshift(() => pg.stop());
  const onPostgres = await backfill(main, "postgres", EVENTS + LIVE_SAMPLES, pg.url);
  await onPostgres.indexer.stop();
  await main.node.stop();

  // --- per-transaction set ------------------------------------------------------------------------
  const single = await makeChain();
  const perTx = await generatePerTx(single, PER_TX_EVENTS);
  const perTxOnChain = await single.countDownloads(perTx.firstBlock, perTx.lastBlock);
  if (perTxOnChain !== PER_TX_EVENTS)
    throw new Error(`expected ${PER_TX_EVENTS} per-transaction events, found ${perTxOnChain}`);
  const perTxLite = await backfill(single, "pglite_per_tx", PER_TX_EVENTS);
  await perTxLite.indexer.stop();

  const report = {
    benchmark: "indexer",
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      loadAverage1mDuringRun: {
        min: round(Math.min(...loads), 1),
        max: round(Math.max(...loads), 1),
      },
    },
    backfillEventsPerSecond: lite.result.eventsPerSecond,
    lagP50Ms: round(quantile(lags, 0.5)),
    lagP95Ms: round(quantile(lags, 0.95)),
    targets: { backfillEventsPerSecond: 2000, lagP95Ms: 1000 },
    generation: {
      main: {
        method: `BenchDownloader (test/bench/indexer-downloader.sol) calls registry.recordDownload ${PER_CALL} times per transaction; 6 copies, staff of the 3 dev institutions`,
        downloadEvents: onChain,
        transactions: generated.transactions,
        blocks: generated.lastBlock - generated.firstBlock + 1,
        seconds: round(generated.seconds, 1),
      },
      perTransaction: {
        method:
          "one registry.recordDownload transaction per event from 6 authorized dev accounts; eth_sendTransaction JSON-RPC batches, automine off, evm_mine per 1,000",
        downloadEvents: perTxOnChain,
        blocks: perTx.lastBlock - perTx.firstBlock + 1,
        seconds: round(perTx.seconds, 1),
      },
    },
    backfill: {
      pglite: lite.result,
      postgresql: onPostgres.result,
      pglitePerTransaction: perTxLite.result,
    },
    live: {
      database: "pglite",
      samples: lags.length,
      pollingIntervalMs: 250,
      lagMinMs: round(lags[0]!),
      lagP50Ms: round(quantile(lags, 0.5)),
      lagP95Ms: round(quantile(lags, 0.95)),
      lagMaxMs: round(lags.at(-1)!),
    },
  };
  writeFileSync(join(here, "indexer.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.table({
    "events generated (main set)": {
      value: `${onChain} in ${report.generation.main.blocks} blocks, ${generated.transactions} txs`,
    },
    "backfill, PGlite (default)": {
      value: `${lite.result.eventsPerSecond} events/s (${lite.result.events} events, ${lite.result.backfillS} s; target >= 2000)`,
    },
    "backfill, PostgreSQL": {
      value: `${onPostgres.result.eventsPerSecond} events/s (${onPostgres.result.events} events, ${onPostgres.result.backfillS} s)`,
    },
    "backfill, PGlite, 1 tx per event": {
      value: `${perTxLite.result.eventsPerSecond} events/s (${perTxLite.result.events} events, ${perTxLite.result.backfillS} s)`,
    },
    "live lag p50 (mined -> audit API)": { value: `${report.lagP50Ms} ms` },
    "live lag p95": { value: `${report.lagP95Ms} ms (target <= 1000; ${lags.length} downloads)` },
    "load average (1 min) during run": {
      value: `${report.machine.loadAverage1mDuringRun.min}-${report.machine.loadAverage1mDuringRun.max} on ${cpus().length} cores`,
    },
  });
  console.log(`wrote ${join(here, "indexer.json")}`);
} finally {
  clearInterval(loadTimer);
  for (const cleanup of cleanups) await cleanup().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
