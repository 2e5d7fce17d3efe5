// `neuroledger node --evaluate-on [<task>=]<dir>` (repeatable): which private folder evaluates which
// task's models. A folder's class names are one task's labels, so each task has its own folder.

import { stat } from "node:fs/promises";
import { InvalidInputError, UsageError } from "../errors.ts";

/** One `--evaluate-on` value: a task's folder, or (no task) the deployment's first task's. */
export type EvaluationFolder = { task?: string; folder: string };

/**
 * Reads one `--evaluate-on` value. `<dir>` is the first task's folder; `<task>=<dir>` names the
 * task, where `<task>` is one the deployment runs (checked by {@link evaluationPlan}). A value that
 * is an existing folder is read as a folder even if it holds `=`.
 * @throws InvalidInputError naming the value when its folder does not exist
 */
export async function parseEvaluationFolder(value: string): Promise<EvaluationFolder> {
  const isFolder = async (path: string) => (await stat(path).catch(() => undefined))?.isDirectory();
  if (await isFolder(value)) return { folder: value };
  const at = value.indexOf("=");
  if (at > 0 && (await isFolder(value.slice(at + 1)))) {
    return { task: value.slice(0, at), folder: value.slice(at + 1) };
  }
  throw new InvalidInputError(
    `--evaluate-on ${value}: no such folder (expected [<task>=]<dir>, the folder holding <class>/<images>)`,
  );
}

/**
 * The folder of each task to evaluate, from the `--evaluate-on` values and the tasks the
 * deployment runs (the first is the default task).
 * @returns task -> folder, in the order given
 * @throws InvalidInputError for a task the deployment does not run (naming the ones it does);
 *   UsageError for a task given two folders
 */
export function evaluationPlan(
  folders: readonly EvaluationFolder[],
  tasks: readonly string[],
): Map<string, string> {
  const plan = new Map<string, string>();
  for (const { task = tasks[0], folder } of folders) {
    if (task === undefined || !tasks.includes(task)) {
      throw new InvalidInputError(
        `--evaluate-on ${task}=${folder}: this deployment runs no task ${task} (it runs: ${tasks.join(", ")})`,
      );
    }
    const earlier = plan.get(task);
    if (earlier !== undefined) {
      throw new UsageError(
        `--evaluate-on: task ${task} has two folders (${earlier} and ${folder}); give one per task`,
      );
    }
    plan.set(task, folder);
  }
  return plan;
}
