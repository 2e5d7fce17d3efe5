/**
 * Which label each class folder of a data set stands for, as `training evaluate` maps them
 * (training/neuroledger_training/tasks.py): `--map [source:]folder=label` first, then the model's
 * task's default table (folder name, lower case; `TASKS[task].folders` in the sdk), e.g. for the
 * binary task figshare's glioma/meningioma/pituitary -> yes, for the type task each type to
 * itself, no/notumor/normal -> no_tumor and yes/tumor -> tumor (a tumor of unknown type).
 */
import type { TaskDefinition } from "@neuroledger/sdk/card";
import { InvalidInputError } from "../errors.ts";

export type MappingOverride = { source: string | null; folder: string; label: string };

/**
 * The labels an image of the task can carry: the model's labels, then those without an output of
 * their own (the type task's `tumor`, a tumor of unknown type).
 */
export function dataLabels(task: TaskDefinition): string[] {
  const extra = Object.values(task.folders).filter((label) => !task.labels.includes(label));
  return [...task.labels, ...new Set(extra)];
}

/** Parses `--map [source:]folder=label` values; the label must be one of `labels`. */
export function parseMappingArgs(
  values: readonly string[],
  labels: readonly string[],
): MappingOverride[] {
  return values.map((value) => {
    const eq = value.indexOf("=");
    if (eq < 0) throw new InvalidInputError(`--map wants [source:]folder=label, got "${value}"`);
    const key = value.slice(0, eq);
    const label = value.slice(eq + 1);
    if (!labels.includes(label)) {
      throw new InvalidInputError(
        `--map "${value}": label must be one of ${JSON.stringify(labels)}, got "${label}"`,
      );
    }
    const colon = key.indexOf(":");
    return colon < 0
      ? { source: null, folder: key, label }
      : { source: key.slice(0, colon), folder: key.slice(colon + 1), label };
  });
}

/**
 * Maps each class folder of the source `sourceName` to one of the task's data labels
 * ({@link dataLabels}). Returns undefined for a folder nothing maps (the caller names it in its
 * error, with {@link describeFolders}).
 */
export function mapClassFolder(
  sourceName: string,
  folder: string,
  task: TaskDefinition,
  overrides: readonly MappingOverride[],
): string | undefined {
  const override =
    overrides.find((o) => o.source === sourceName && o.folder === folder) ??
    overrides.find((o) => o.source === null && o.folder === folder);
  if (override) return override.label;
  const name = folder.toLowerCase();
  return Object.hasOwn(task.folders, name) ? task.folders[name] : undefined;
}

/** The task's default folder table as "folder -> label, ..." for error messages. */
export function describeFolders(task: TaskDefinition): string {
  return Object.entries(task.folders)
    .map(([folder, label]) => `${folder} -> ${label}`)
    .join(", ");
}
