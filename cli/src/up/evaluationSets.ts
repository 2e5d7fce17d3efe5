// The dev institutions' private evaluation sets for `up`: disjoint shares of the bundled samples,
// or a folder the user names per institution (`--evaluation-data <institution>=<dir>`).
import { copyFile, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import type { UpOptions } from "./service.ts";
import { slug } from "./slug.ts";

/** The bundled labelled samples (`<class>/<images>`), relative to the repository root. */
export const BUNDLED_SAMPLES = join("training", "models", "demo", "samples");

/**
 * Parses `--evaluation-data` values `<institution>=<dir>` into institution key -> absolute dir.
 * @throws UsageError on a value without `=`, an empty side, or the same institution twice.
 */
export function parseEvaluationData(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const key = value.slice(0, at).trim();
    const dir = value.slice(at + 1).trim();
    if (at < 0 || !key || !dir) {
      throw new UsageError(`--evaluation-data ${value}: expected <institution>=<dir>`);
    }
    if (key in out) throw new UsageError(`--evaluation-data names ${key} twice`);
    out[key] = resolve(dir);
  }
  return out;
}

/**
 * Which institution a `--evaluation-data` key names: its full name or slug ("cedar-clinic"), the
 * slug's first word ("cedar"), or its dev account's name ("institution-c"), case-insensitive.
 * @throws UsageError naming the institutions when the key matches none.
 */
export function institutionForKey(
  key: string,
  institutions: readonly { name: string; accountName: string }[],
): string {
  const k = slug(key);
  const found = institutions.find((i) => {
    const s = slug(i.name);
    return k === s || k === s.split("-")[0] || k === slug(i.accountName);
  });
  if (!found) {
    throw new UsageError(
      `--evaluation-data ${key}: no such institution (one of: ${institutions.map((i) => slug(i.name)).join(", ")})`,
    );
  }
  return found.name;
}

/**
 * Splits `samplesDir/<class>/<files>` into `count` disjoint sets under `outDir/<i>/<class>/`:
 * within each class the sorted files are dealt round-robin, so each set gets both classes when a
 * class has at least `count` files. `outDir` is emptied first (no stale images from an older run).
 * @returns the `count` set folders, in order.
 */
export async function splitSamples(
  samplesDir: string,
  outDir: string,
  count: number,
): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  const sets = Array.from({ length: count }, (_, i) => join(outDir, String(i + 1)));
  const classes = (await readdir(samplesDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  for (const label of classes) {
    const files = (await readdir(join(samplesDir, label), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
    for (const [i, file] of files.entries()) {
      const target = join(sets[i % count] as string, label);
      await mkdir(target, { recursive: true });
      await copyFile(join(samplesDir, label, file), join(target, file));
    }
  }
  return sets;
}

/** Throws a UsageError unless `dir` is a folder (checked before any node starts). */
export async function checkFolder(dir: string, what: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${what}: ${dir} is not a folder`);
}

/**
 * Each member's evaluation folder for `up` (undefined: its node evaluates nothing): the folder
 * named for it in `options.evaluation.folders`, else (with `bundled`) its disjoint share of the
 * bundled samples, copied under `<data dir>/evaluation/`.
 * @throws UsageError for a key naming no institution or a folder that does not exist.
 */
export async function evaluationFolders(
  options: UpOptions,
  members: readonly { name: string; accountName: string }[],
): Promise<(string | undefined)[]> {
  const evaluation = options.evaluation;
  if (!evaluation) return members.map(() => undefined);
  const named = new Map<string, string>();
  for (const [key, dir] of Object.entries(evaluation.folders)) {
    await checkFolder(dir, `--evaluation-data ${key}`);
    named.set(institutionForKey(key, members), dir);
  }
  const shares = evaluation.bundled
    ? await splitSamples(
        join(options.repoRoot, BUNDLED_SAMPLES),
        join(options.dataDir, "evaluation"),
        members.length,
      )
    : [];
  return members.map((m, i) => named.get(m.name) ?? shares[i]);
}
