import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Stack } from "@neuroledger/chain";

const repoRoot = resolve(import.meta.dirname, "../../..");

/** `stack.json` as `neuroledger up` writes it (schema: `stackSchema` of @neuroledger/chain). */
export type StackFile = Stack;

/**
 * The whole embedded stack, the way a user starts it: `neuroledger up` (chain node, contracts,
 * dev consortium, three Helia nodes with gateways, the demo model published, the built web app),
 * on free ports in a throwaway data dir. Resolves once stack.json is written (bounded).
 */
export async function startFullStack(
  timeoutMs = 240_000,
): Promise<{ stack: StackFile; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "nl-web-e2e-"));
  const stackFile = join(dataDir, "stack.json");
  const log: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(repoRoot, "cli/bin/neuroledger.js"),
      "up",
      "--data-dir",
      dataDir,
      "--chain-port",
      "0",
      "--gateway-port",
      "0",
      // The nodes' own evaluations (cli/test/up.test.ts covers them) would record downloads and
      // submissions of their own while a test counts or submits its own.
      "--no-evaluation",
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, NEUROLEDGER_WEB_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (d: Buffer) => log.push(d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(stackFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `neuroledger up did not start (${child.exitCode === null ? "timed out" : `exit ${child.exitCode}`}):\n${log.join("").slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stack = JSON.parse(readFileSync(stackFile, "utf8")) as StackFile;
  if (!stack.services.web) {
    await stop();
    throw new Error("neuroledger up started no web app (services.web missing from stack.json)");
  }
  return { stack, stop };
}
