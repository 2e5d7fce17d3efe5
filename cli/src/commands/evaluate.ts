import { createHash } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { binaryMetrics, type ModelMetrics } from "@neuroledger/sdk/card";
import { classifyImage } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile, writeStreamAtomically } from "@neuroledger/sdk/node";
import { stringify } from "csv-stringify/sync";
import { InvalidInputError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { mapClassFolder, parseMappingArgs } from "../models/classMapping.ts";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface EvaluateParameters {
  model: ResolvedModel;
  /**
   * `<data>/<class>/<image files>`; each class folder maps to one of the card's labels: by
   * `mapping` (`[source:]folder=label`, source = the folder's name), else by name (`no`, `yes`,
   * `glioma`, ... as `training evaluate`). One class folder is enough (e.g. a tumor-only set).
   */
  dataDir: string;
  mapping?: readonly string[];
  /** Writes one CSV row per readable image here (see {@link PREDICTION_COLUMNS}). */
  predictionsOut?: string;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The predictions CSV's columns, as `training evaluate --predictions` writes them: `file` relative
 * to the data folder (`/`-separated), true `label`, `predicted` label, `probability` of the
 * positive label, and the heatmap's peak (`peak_x`, `peak_y`) in pixels of the original image,
 * origin top left.
 */
export const PREDICTION_COLUMNS = [
  "file",
  "label",
  "predicted",
  "probability",
  "peak_x",
  "peak_y",
] as const;

/** The JSON `training evaluate --json` prints, key for key. */
/**
 * `fingerprint`: the evaluation set's fingerprint (docs/interfaces.md section 8): sha256 over the
 * sorted lines "<label>/<sha256 of the file>" of every readable image, joined with "\n", as 0x hex.
 */
export type EvaluateResult = ModelMetrics & {
  unreadable: number;
  labels: string[];
  fingerprint: `0x${string}`;
};

/**
 * `neuroledger evaluate`: runs the ONNX model over every image of a labelled folder with the SDK's
 * preprocessing on onnxruntime-node and reports the same metrics as `training evaluate`
 * (unreadable files are counted and skipped, as there). With `predictionsOut`, also writes the
 * per-image predictions CSV (atomically: a failed run leaves no partial file). Images the card's
 * OOD statistics flag are counted in a warning on the log.
 */
export async function evaluate(params: EvaluateParameters): Promise<EvaluateResult> {
  const log = params.log ?? silentLogger;
  const { card, modelPath } = params.model;
  const samples = await labelledSamples(params, card.labels);
  // Fail before the long run, not after it, when the CSV cannot be written.
  if (params.predictionsOut) await checkWritableFolder(params.predictionsOut, params.dataDir);
  const runtime = await createNodeRuntime(modelPath);
  const run = newRun();
  for (const [i, sample] of samples.entries()) {
    await classifySample(runtime, card, sample, run, log);
    params.onProgress?.(i + 1, samples.length);
  }
  if (run.outOfDistribution > 0) {
    log.warn("images unlike the model's training data (OOD score above the card's threshold)", {
      count: run.outOfDistribution,
      of: run.yTrue.length,
    });
  }
  if (params.predictionsOut) {
    const csv = stringify(run.rows, { header: true, columns: [...PREDICTION_COLUMNS] });
    await writeStreamAtomically(
      new Blob([csv]).stream() as ReadableStream<Uint8Array>,
      params.predictionsOut,
    );
  }
  const fingerprint =
    `0x${createHash("sha256").update(run.fingerprintLines.sort().join("\n")).digest("hex")}` as const;
  return {
    ...binaryMetrics(run.yTrue, run.probs),
    unreadable: run.unreadable,
    labels: [...card.labels],
    fingerprint,
  };
}

interface Sample {
  path: string;
  /** Relative to the data folder, `/`-separated. */
  file: string;
  /** Index into the card's labels. */
  label: number;
}

/** What the run has gathered so far: labels, probabilities, CSV rows, fingerprint lines, counts. */
interface EvaluationRun {
  yTrue: number[];
  probs: number[];
  fingerprintLines: string[];
  rows: (string | number)[][];
  outOfDistribution: number;
  unreadable: number;
}

function newRun(): EvaluationRun {
  return {
    yTrue: [],
    probs: [],
    fingerprintLines: [],
    rows: [],
    outOfDistribution: 0,
    unreadable: 0,
  };
}

/** Every file of every class folder, with its label index; refuses unmapped or empty folders. */
async function labelledSamples(
  params: EvaluateParameters,
  labels: readonly string[],
): Promise<Sample[]> {
  const folders = await classFolders(params.dataDir);
  const overrides = parseMappingArgs(params.mapping ?? [], labels);
  const source = basename(resolve(params.dataDir));
  const samples: Sample[] = [];
  for (const folder of folders) {
    const mapped = mapClassFolder(source, folder, labels, overrides);
    if (mapped === undefined) {
      throw new InvalidInputError(
        `class folders ${JSON.stringify(folders)} in ${params.dataDir} do not match the model's labels ${JSON.stringify(labels)}: class folder "${folder}" has no label; add --map ${folder}=<label>`,
      );
    }
    const files = (await readdir(join(params.dataDir, folder), { withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.startsWith("."))
      .map((f) => f.name)
      .sort();
    if (files.length === 0)
      throw new InvalidInputError(`class folder ${folder} in ${params.dataDir} has no files`);
    const label = labels.indexOf(mapped);
    for (const f of files)
      samples.push({ path: join(params.dataDir, folder, f), file: `${folder}/${f}`, label });
  }
  return samples;
}

/** Classifies one image into the run; an unreadable file is counted and skipped, as in training. */
async function classifySample(
  runtime: Awaited<ReturnType<typeof createNodeRuntime>>,
  card: ResolvedModel["card"],
  sample: Sample,
  run: EvaluationRun,
  log: Logger,
): Promise<void> {
  let image: Awaited<ReturnType<typeof readImageFile>>;
  try {
    image = await readImageFile(sample.path);
  } catch (err) {
    run.unreadable++;
    log.warn("unreadable image skipped", { file: sample.path, error: (err as Error).name });
    return;
  }
  const result = await classifyImage(runtime, image, card);
  const labels = card.labels;
  const digest = createHash("sha256")
    .update(await readFile(sample.path))
    .digest("hex");
  run.fingerprintLines.push(`${labels[sample.label]}/${digest}`);
  run.yTrue.push(sample.label);
  run.probs.push(result.probability);
  if (result.ood?.outOfDistribution) run.outOfDistribution++;
  run.rows.push([
    sample.file,
    labels[sample.label] as string,
    predictedLabel(labels, card.positiveLabel, result),
    result.probability.toFixed(6),
    result.peak.x,
    result.peak.y,
  ]);
}

/** As the metrics count it (and `training evaluate` writes it): positive at p >= 0.5. */
function predictedLabel(
  labels: readonly string[],
  positiveLabel: string,
  result: { label: string; probability: number },
): string {
  if (labels.length !== 2) return result.label;
  const positive = labels.indexOf(positiveLabel);
  return labels[result.probability >= 0.5 ? positive : 1 - positive] as string;
}

/** The CSV must not land among the images it describes; its folder is made if missing. */
async function checkWritableFolder(out: string, dataDir: string): Promise<void> {
  const folder = dirname(resolve(out));
  const data = resolve(dataDir);
  if (folder === data || folder.startsWith(`${data}/`)) {
    throw new InvalidInputError(
      `--predictions ${out} is inside the data folder ${dataDir}: write it elsewhere`,
    );
  }
  try {
    await mkdir(folder, { recursive: true });
  } catch (cause) {
    throw new InvalidInputError(`--predictions: cannot make the folder ${folder}`, { cause });
  }
}

async function classFolders(dataDir: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dataDir, { withFileTypes: true });
  } catch {
    throw new InvalidInputError(`data folder not found: ${dataDir}`);
  }
  const labels = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (labels.length === 0) {
    throw new InvalidInputError(
      `no class folders in ${dataDir} (expected <data>/<class>/<image files>)`,
    );
  }
  return labels;
}
