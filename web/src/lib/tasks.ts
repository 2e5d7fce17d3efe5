// Which task a page shows (docs/interfaces.md section 14): every task has its own registry, so
// model ids, the latest model and the top ten are per task. The task is named in the URL
// (`?task=<name>`) so links keep it; no `?task=` means the first (binary) task.
import { TASK as BINARY_TASK } from "@neuroledger/chain";
import type { AppConfig, AppTask } from "./config.ts";

/**
 * A task and what its pages read: the consortium's contracts with the task's own registry as
 * `registry`, and the app's configuration with those contracts (for the reads, downloads and
 * cards that take a configuration).
 */
export interface TaskView {
  task: AppTask;
  contracts: NonNullable<AppConfig["contracts"]>;
  config: AppConfig;
}

/** A `?task=` the consortium does not run. */
export class UnknownTaskError extends Error {
  override name = "UnknownTaskError";
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(
      `No task "${requested}" in this consortium; its tasks are ${known.map((t) => `"${t}"`).join(", ") || "none"}.`,
    );
  }
}

/**
 * The task a page shows: the one named by `requested` (the URL's `?task=`), else the first.
 * Returns null when nothing is deployed.
 * @throws UnknownTaskError naming the known tasks when `requested` is not one of them.
 */
export function selectTask(config: AppConfig, requested: string | null): TaskView | null {
  const { contracts, tasks } = config;
  if (!contracts) return null;
  const task = requested === null ? tasks[0] : tasks.find((t) => t.task === requested);
  if (!task)
    throw new UnknownTaskError(
      requested ?? "",
      tasks.map((t) => t.task),
    );
  const taskContracts = { ...contracts, registry: task.registry };
  return { task, contracts: taskContracts, config: { ...config, contracts: taskContracts } };
}

/**
 * The domain an account's X25519 key is derived for: the chain and the consortium's first task
 * registry, whatever task a page shows. One key per account and consortium, registered in every
 * task's registry (the cli's `up` and `keys` do the same), so the institutions' keepers of every
 * task wrap for the key the browser derives.
 */
export function accountKeyDomain(config: AppConfig): { chainId: number; registry: `0x${string}` } {
  const registry = config.tasks[0]?.registry ?? config.contracts?.registry;
  if (!registry) throw new Error("No registry is deployed on this chain.");
  return { chainId: config.chain.id, registry };
}

/**
 * `path` for `task`: the task goes into the query unless it is the default (first) one, so
 * today's links (`/models/3`) keep meaning the binary task.
 */
export function taskHref(path: string, task: string, tasks: readonly AppTask[]): string {
  if (tasks[0]?.task === task) return path;
  const separator = path.includes("?") ? "&" : "?";
  return `${path}${separator}task=${encodeURIComponent(task)}`;
}

/** A short name for a task: the part after the last `/` (`brain-tumor-mri/type` -> `type`). */
export function taskTitle(task: string): string {
  const short = task.slice(task.lastIndexOf("/") + 1);
  const titles: Record<string, string> = { binary: "Tumor or not", type: "Tumor type" };
  return titles[short] ?? short;
}

/**
 * Whether a task's F1 (its ranking key), precision, recall and AUC are macro averages over its
 * labels: every task but the binary one (docs/interfaces.md section 14).
 */
export function ranksByMacroF1(task: string): boolean {
  return task !== BINARY_TASK;
}

/**
 * The audit API's `task` filter for `task`: named whenever the consortium runs several tasks (the
 * indexer's rows and model keys are per task then); with one task the indexer needs none.
 */
export function auditTaskQuery(task: string, tasks: readonly AppTask[]): { task?: string } {
  return tasks.length > 1 ? { task } : {};
}
