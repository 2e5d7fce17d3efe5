import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeClient } from "../../src/ipfs/client.ts";
import { silentLogger } from "../../src/log.ts";
import type { NodeInfo } from "../../src/node/runNode.ts";
import { type Child, spawnChild, waitFor } from "../../src/up/childProcess.ts";

export const BIN = fileURLToPath(new URL("../../bin/neuroledger.js", import.meta.url));

export interface NodeProcess {
  info: NodeInfo;
  child: Child;
  client: NodeClient;
  dataDir: string;
  output: string[];
  /** SIGTERM and wait (clean stop). */
  stop(): Promise<void>;
  /** SIGKILL: no chance to clean up. */
  kill9(): Promise<void>;
}

/** Starts `neuroledger node` in its own process and waits for its node.json (bounded). */
export async function startNodeProcess(params: {
  name: string;
  dataDir: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  peers?: string[];
}): Promise<NodeProcess> {
  const output: string[] = [];
  const args = [
    BIN,
    "node",
    "--name",
    params.name,
    "--data-dir",
    params.dataDir,
    ...(params.peers ?? []).flatMap((p) => ["--peer", p]),
    ...(params.args ?? []),
  ];
  const child = spawnChild(process.execPath, args, {
    log: silentLogger,
    name: params.name,
    env: { ...process.env, NEUROLEDGER_STACK: "", ...params.env },
    onLine: (l) => output.push(l),
  });
  const info = await waitFor(
    `node ${params.name}`,
    async () => {
      const parsed = JSON.parse(
        await readFile(join(params.dataDir, "node.json"), "utf8"),
      ) as NodeInfo;
      return parsed.pid === child.process.pid ? parsed : undefined;
    },
    { timeoutMs: 30_000, child },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${output.join("\n")}`);
  });
  return {
    info,
    child,
    client: new NodeClient(info.gatewayUrl, 20_000),
    dataDir: params.dataDir,
    output,
    stop: () => child.stop(),
    async kill9() {
      child.process.kill("SIGKILL");
      await child.exited;
    },
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `nl-cli-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
