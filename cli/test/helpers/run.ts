// Runs a command to its end (bounded) and keeps what it printed: the CLI entry, the training CLI.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./models.ts";
import { BIN } from "./nodeProcess.ts";

export type RunResult = { code: number | null; stdout: string; stderr: string };

/** Runs `cmd args` in `cwd` without a stack file in reach; SIGKILL after `timeoutMs`. */
export function runProcess(
  cmd: string,
  args: string[],
  cwd = REPO_ROOT,
  timeoutMs = 120_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NEUROLEDGER_STACK: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `neuroledger <args>` through the CLI entry, from the repository root. */
export const runCli = (...args: string[]) => runProcess(process.execPath, [BIN, ...args]);

/** The training package's CLI (`python -m neuroledger_training.cli <args>`), from `training/`. */
export const runTraining = (...args: string[]) =>
  runProcess(
    "/usr/bin/python3",
    ["-m", "neuroledger_training.cli", ...args],
    join(REPO_ROOT, "training"),
  );

/** The last line of `stdout` as JSON (what `--json` commands print last). */
export const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) as string);
