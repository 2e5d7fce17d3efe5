// The chain side of publish and download, timed apart from the storage path: a local chain
// (anvil, 1 s blocks) with the dev consortium and one institution node, the demo model published
// by the dev publisher and downloaded by the dev staff account.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@neuroledger/cli";
import {
  chainService,
  deployService,
  download,
  institutionNodesService,
  publish,
  resolveConnection,
  silentLogger,
  up,
} from "@neuroledger/cli";

export interface ChainRow {
  blockTimeS: number;
  modelMB: number;
  publishTxMs: number;
  downloadTxMs: number;
  publishTotalMs: number;
  downloadTotalMs: number;
  publishTimings: Record<string, number>;
  downloadTimings: Record<string, number>;
}

export async function benchChain(repoRoot: string, modelDir: string): Promise<ChainRow> {
  const dataDir = await mkdtemp(join(tmpdir(), "nl-bench-chain-"));
  let stop: () => void = () => {};
  const until = new Promise<void>((r) => {
    stop = r;
  });
  let ready: (s: Stack) => void = () => {};
  const started = new Promise<Stack>((r) => {
    ready = r;
  });
  const running = up({
    options: { repoRoot, dataDir, chainPort: 0, chainId: 31337, blockTime: 1, gatewayPortBase: 0 },
    services: [chainService, deployService, institutionNodesService],
    log: silentLogger,
    until,
    onReady: ready,
    print: () => {},
  });
  try {
    const stack = await Promise.race([
      started,
      running.then(() => Promise.reject(new Error("stack stopped early"))),
    ]);
    const as = (name: string) => {
      const account = stack.accounts.find((a) => a.name === name);
      const institution = stack.institutions.find((i) => i.name === account?.institution);
      return resolveConnection(
        {
          rpc: stack.chain.rpcUrl,
          key: account?.privateKey,
          node: institution?.ipfs.gatewayUrl,
          deployment: stack.chain.deploymentFile,
          dataDir,
          stack: "",
        },
        {},
      );
    };
    const t0 = performance.now();
    const published = await publish({
      connection: await as("publisher"),
      modelPath: join(modelDir, "model.onnx"),
      cardPath: join(modelDir, "card.json"),
    });
    const publishTotalMs = performance.now() - t0;
    const t1 = performance.now();
    const fetched = await download({
      connection: await as("staff"),
      modelId: BigInt(published.modelId),
      out: join(dataDir, "downloaded.onnx"),
    });
    const downloadTotalMs = performance.now() - t1;
    return {
      blockTimeS: 1,
      modelMB: (await stat(join(modelDir, "model.onnx"))).size / 1024 / 1024,
      publishTxMs: published.timings.chainTx ?? Number.NaN,
      downloadTxMs: fetched.timings.chainTx ?? Number.NaN,
      publishTotalMs,
      downloadTotalMs,
      publishTimings: published.timings,
      downloadTimings: fetched.timings,
    };
  } finally {
    stop();
    await running.catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}
