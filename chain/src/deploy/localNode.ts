// Starts anvil on 127.0.0.1 (the local chain node of `pnpm -C chain node`, the stack, the gas bench).
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../net.ts";

const ANVIL = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "node_modules",
  ".bin",
  "anvil",
);

export interface LocalNode {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartLocalNodeParameters {
  /** 0 picks a free port. */
  port?: number;
  /** Seconds between blocks; transactions are also mined at once (mixed mining). 0: automine only. */
  blockTime?: number;
  chainId?: number;
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
}

async function rpcReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Starts anvil and resolves once it answers JSON-RPC. */
export async function startLocalNode(options: StartLocalNodeParameters = {}): Promise<LocalNode> {
  const port = options.port || (await freePort());
  const blockTime = options.blockTime ?? 1;
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    String(options.chainId ?? 31337),
  ];
  args.push("--hardfork", "cancun", "--silent");
  if (blockTime > 0) args.push("--block-time", String(blockTime), "--mixed-mining");
  // Own process group: the npm `anvil` launcher starts the real binary as a child, and stop() must
  // end both.
  const child = spawn(ANVIL, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (!(await rpcReady(url))) {
    if (hasExited(child))
      throw new Error(
        `anvil exited (${child.exitCode ?? child.signalCode}): ${stderr.trim() || "no output"}`,
      );
    if (Date.now() > deadline) {
      killGroup("SIGKILL");
      throw new Error(`anvil did not answer on ${url} in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        // A node already ended by a signal has exitCode null: waiting for "exit" would hang.
        if (hasExited(child)) return resolve();
        child.once("exit", () => resolve());
        killGroup("SIGTERM");
      }),
  };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
