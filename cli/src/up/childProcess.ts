import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "../log.ts";

export interface Child {
  process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM to the process group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** Each output line is logged under this name (stdout and stderr). */
  name: string;
  /** Lines for which this returns false are not logged (e.g. per-request chatter). */
  filter?: (line: string) => boolean;
  onLine?: (line: string) => void;
}

/** Children still running; if this process exits without stopping them, they are killed. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) signalGroup(child, "SIGKILL");
});

/**
 * Starts a child in its own process group (so stopping it also stops whatever it spawned, e.g.
 * `pnpm` -> `hardhat`), forwarding its output to the log line by line.
 */
export function spawnChild(command: string, args: string[], options: SpawnOptions): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const log = options.log.child({ proc: options.name });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      options.onLine?.(line);
      // Our own children log with a time stamp already; keep one.
      const text = line.replace(/^\d\d:\d\d:\d\d\.\d{3} (info |warn |error)\s*/, "").trim();
      if (text && (options.filter?.(line) ?? true)) log.info(text);
    });
  }
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });
  return {
    process: child,
    exited,
    async stop(graceMs = 8000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Whatever the child left behind in its group goes too.
      signalGroup(child, "SIGKILL");
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `check` until it returns a value, bounded by `timeoutMs`; fails early if the child dies. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; child?: Child; intervalMs?: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let died: number | string | undefined;
  options.child?.exited.then((code) => {
    died = code;
  });
  for (;;) {
    if (died !== undefined)
      throw new Error(`${what}: the process exited (${died}) before it was ready`);
    if (options.signal?.aborted) throw new Error(`${what}: interrupted`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${options.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
