/**
 * Which task label each class folder of a data set stands for, as `training evaluate` maps them
 * (training/neuroledger_training/sources.py): `--map [source:]folder=label` first, then the
 * default table (folder name, lower case), e.g. figshare's glioma/meningioma/pituitary -> yes.
 */
import { InvalidInputError } from "../errors.ts";

/** Folder names every data set in ../shared/data uses, and the label each stands for. */
export const DEFAULT_CLASS_MAPPING: Readonly<Record<string, string>> = {
  no: "no",
  notumor: "no",
  normal: "no",
  yes: "yes",
  tumor: "yes",
  glioma: "yes",
  meningioma: "yes",
  pituitary: "yes",
};

export type MappingOverride = { source: string | null; folder: string; label: string };

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
 * Maps each class folder of the source `sourceName` to one of `labels`. Returns undefined for a
 * folder nothing maps (the caller names it in its error).
 */
export function mapClassFolder(
  sourceName: string,
  folder: string,
  labels: readonly string[],
  overrides: readonly MappingOverride[],
): string | undefined {
  const override =
    overrides.find((o) => o.source === sourceName && o.folder === folder) ??
    overrides.find((o) => o.source === null && o.folder === folder);
  if (override) return override.label;
  const fallback = Object.hasOwn(DEFAULT_CLASS_MAPPING, folder.toLowerCase())
    ? DEFAULT_CLASS_MAPPING[folder.toLowerCase()]
    : undefined;
  return fallback !== undefined && labels.includes(fallback) ? fallback : undefined;
}
