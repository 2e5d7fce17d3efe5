import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.ts";

/** A local anvil chain node on a free port (1 s blocks are not needed: automine). */
export async function startChainNode(): Promise<{ rpcUrl: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, "--host", "127.0.0.1", "--port", String(port), "--chain-id", "31337", "--silent"],
    {
      stdio: ["ignore", "ignore", "inherit"],
      detached: true, // its own process group: the npm wrapper starts the real binary as a child
    },
  );
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}`);
    try {
      const r = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (r.ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    rpcUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      }),
  };
}
