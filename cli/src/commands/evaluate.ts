import { createHash } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  binaryMetrics,
  type ModelMetrics,
  multiclassMetrics,
  TASKS,
  type TaskDefinition,
} from "@neuroledger/sdk/card";
import {
  classifyImage,
  formatOodFigure,
  SITE_CHECK_MIN_IMAGES,
  SITE_CHECK_MIN_VALIDATION,
  type SiteCheck,
  siteCheck,
} from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile, writeStreamAtomically } from "@neuroledger/sdk/node";
import { stringify } from "csv-stringify/sync";
import { InvalidInputError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  dataLabels,
  describeFolders,
  mapClassFolder,
  parseMappingArgs,
} from "../models/classMapping.ts";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface EvaluateParameters {
  model: ResolvedModel;
  /**
   * `<data>/<class>/<image files>`; each class folder maps to one of the card's labels: by
   * `mapping` (`[source:]folder=label`, source = the folder's name), else by name as
   * `training evaluate` (the task's table: binary `no`, `yes`, `glioma` -> yes, ...; type task
   * each type to itself, `no` -> no_tumor, `yes`/`tumor` -> a tumor of unknown type). One class
   * folder is enough (e.g. a tumor-only set).
   */
  dataDir: string;
  mapping?: readonly string[];
  /** Writes one CSV row per readable image here (see {@link predictionColumns}). */
  predictionsOut?: string;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The predictions CSV's columns, as `training evaluate --predictions` writes them: `file` relative
 * to the data folder (`/`-separated), true `label`, `predicted` label, `probability` of the
 * positive label, and the heatmap's peak (`peak_x`, `peak_y`) in pixels of the original image,
 * origin top left. A card without a positive label (K > 2) adds {@link predictionColumns}' `p_<label>`.
 */
export const PREDICTION_COLUMNS = [
  "file",
  "label",
  "predicted",
  "probability",
  "peak_x",
  "peak_y",
] as const;

/**
 * The CSV's columns for a card: {@link PREDICTION_COLUMNS}, and for a card without a positive
 * label one `p_<label>` per label (its probability), where `probability` is the predicted
 * label's and the peak that of the predicted label's heatmap.
 */
export function predictionColumns(card: Pick<ResolvedModel["card"], "labels" | "positiveLabel">) {
  return isMulticlass(card)
    ? [...PREDICTION_COLUMNS, ...card.labels.map((label) => `p_${label}`)]
    : [...PREDICTION_COLUMNS];
}

/** A card without a positive label (the type task) is measured with the K-class metrics. */
function isMulticlass(card: Pick<ResolvedModel["card"], "labels" | "positiveLabel">): boolean {
  return card.positiveLabel === null || card.labels.length > 2;
}

/**
 * Images of a tumor of unknown type (the type task's `yes`/`tumor` folders): not in the K-class
 * metrics; `calledTumor` of them were predicted as any tumor label.
 */
export type UntypedTumors = { n: number; calledTumor: number; share: number | null };

/**
 * The JSON `training evaluate --json` prints, key for key (K > 2: with `specificity`, `perClass`
 * and `untypedTumors`), plus `fingerprint`: the evaluation set's fingerprint (docs/interfaces.md
 * section 12): sha256 over the sorted lines "<label>/<sha256 of the file>" of every readable
 * image the metrics count, joined with "\n", as 0x hex.
 */
export type EvaluateResult = ModelMetrics & {
  unreadable: number;
  labels: string[];
  fingerprint: `0x${string}`;
  untypedTumors?: UntypedTumors;
  outOfDistribution: OutOfDistribution | null;
};

/**
 * docs/interfaces.md section 1: `flagged` of the `n` readable images score above the card's OOD
 * threshold; `siteCheck` ranks the set's scores against the card's validation scores (null when
 * the card has none). The whole key is null for a card without `ood`.
 */
export type OutOfDistribution = {
  threshold: number;
  flagged: number;
  n: number;
  siteCheck: SiteCheck | null;
};

/**
 * `neuroledger evaluate`: runs the ONNX model over every image of a labelled folder with the SDK's
 * preprocessing on onnxruntime-node and reports the same metrics as `training evaluate`
 * (unreadable files are counted and skipped, as there): binary metrics for a card with a positive
 * label, K-class metrics (macro, per class, K x K confusion; sdk `multiclassMetrics`) otherwise.
 * With `predictionsOut`, also writes the per-image predictions CSV (atomically: a failed run
 * leaves no partial file). `outOfDistribution` counts the images the card's OOD statistics flag and
 * runs the site check on the set (docs/interfaces.md section 1); both warn on the log.
 * @throws InvalidInputError for a missing or empty folder, a class folder no label maps, a bad
 *   `--map`, or a CSV path inside the data folder (before anything runs).
 */
export async function evaluate(params: EvaluateParameters): Promise<EvaluateResult> {
  const log = params.log ?? silentLogger;
  const { card, modelPath } = params.model;
  const samples = await labelledSamples(params, TASKS[card.task]);
  // Fail before the long run, not after it, when the CSV cannot be written.
  if (params.predictionsOut) await checkWritableFolder(params.predictionsOut, params.dataDir);
  const runtime = await createNodeRuntime(modelPath);
  const run = newRun();
  for (const [i, sample] of samples.entries()) {
    await classifySample(runtime, card, sample, run, log);
    params.onProgress?.(i + 1, samples.length);
  }
  const outOfDistribution = summariseOod(card, run.oodScores, log);
  if (params.predictionsOut) {
    const csv = stringify(run.rows, { header: true, columns: predictionColumns(card) });
    await writeStreamAtomically(
      new Blob([csv]).stream() as ReadableStream<Uint8Array>,
      params.predictionsOut,
    );
  }
  const fingerprint =
    `0x${createHash("sha256").update(run.fingerprintLines.sort().join("\n")).digest("hex")}` as const;
  if (!isMulticlass(card)) {
    return {
      ...binaryMetrics(run.yTrue, run.probs),
      unreadable: run.unreadable,
      labels: [...card.labels],
      fingerprint,
      outOfDistribution,
    };
  }
  const { n, calledTumor } = run.untyped;
  return {
    ...multiclassMetrics(run.yTrue, run.probabilityRows, card.labels),
    unreadable: run.unreadable,
    labels: [...card.labels],
    fingerprint,
    untypedTumors: { n, calledTumor, share: n ? calledTumor / n : null },
    outOfDistribution,
  };
}

/**
 * The run's {@link OutOfDistribution}, with a warning on the log for flagged images and for a set
 * the site check calls unlike the training data; null for a card without OOD statistics.
 */
function summariseOod(
  card: ResolvedModel["card"],
  scores: readonly number[],
  log: Logger,
): OutOfDistribution | null {
  const ood = "ood" in card ? card.ood : undefined;
  if (!ood) return null;
  // A score that is not a number is no evidence of being in distribution.
  const flagged = scores.filter((score) => !(score <= ood.threshold)).length;
  const check = ood.validationScores ? siteCheck(scores, ood.validationScores) : null;
  if (flagged > 0) {
    log.warn("images unlike the model's training data (OOD score above the card's threshold)", {
      count: flagged,
      of: scores.length,
    });
  }
  if (check?.unlikeTraining) {
    log.warn(
      "as a set, these images score higher than the model's validation images: they are unlike its training data, so its figures may not hold here",
      { n: check.n, siteCheckP: check.pValue },
    );
  }
  return { threshold: ood.threshold, flagged, n: scores.length, siteCheck: check };
}

/** The flagged count and the site check, as `training evaluate` prints them (nothing without `ood`). */
export function outOfDistributionText(ood: OutOfDistribution | null): string[] {
  if (!ood) return [];
  const lines = [
    `      OOD: ${ood.flagged} of ${ood.n} images above the card's threshold ${formatOodFigure(ood.threshold)}`,
  ];
  const check = ood.siteCheck;
  if (!check) {
    lines.push(
      "site check: not available (the card has no validationScores, or no image was readable)",
    );
    return lines;
  }
  lines.push(`site check: ${siteCheckVerdict(check)}`);
  for (const row of check.strata)
    lines.push(
      `  ${row.stratum}: AUROC ${row.auroc.toFixed(3)}, z ${row.z.toFixed(2)}, p ${formatP(row.pValue)} (${row.validationN} validation images)`,
    );
  return lines;
}

function siteCheckVerdict(check: SiteCheck): string {
  if (check.pValue === null)
    return `no verdict (no stratum has ${SITE_CHECK_MIN_VALIDATION} validation scores)`;
  const verdict =
    check.unlikeTraining === null
      ? `too few images for a verdict (n < ${SITE_CHECK_MIN_IMAGES})`
      : check.unlikeTraining
        ? "unlike the training data"
        : "no evidence of a difference";
  return `p ${formatP(check.pValue)} against the closest stratum, ${check.closestStratum} (alpha ${check.alpha}): ${verdict}`;
}

/** A p-value to 3 significant figures, in exponent form below 0.001. */
function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toPrecision(3);
}

interface Sample {
  path: string;
  /** Relative to the data folder, `/`-separated. */
  file: string;
  /** The image's label: one of the card's labels, or a data label without an output (`tumor`). */
  label: string;
}

/** What the run has gathered so far: labels, probabilities, CSV rows, fingerprint lines, counts. */
interface EvaluationRun {
  /** Label indices of the images the metrics count. */
  yTrue: number[];
  /** The positive label's probability (binary cards). */
  probs: number[];
  /** Every label's probability (K-class cards). */
  probabilityRows: number[][];
  fingerprintLines: string[];
  rows: (string | number)[][];
  untyped: { n: number; calledTumor: number };
  /** The OOD score of every readable image (none for a card without OOD statistics). */
  oodScores: number[];
  unreadable: number;
}

function newRun(): EvaluationRun {
  return {
    yTrue: [],
    probs: [],
    probabilityRows: [],
    fingerprintLines: [],
    rows: [],
    untyped: { n: 0, calledTumor: 0 },
    oodScores: [],
    unreadable: 0,
  };
}

/** Every file of every class folder, with its label; refuses unmapped or empty folders. */
async function labelledSamples(
  params: EvaluateParameters,
  task: TaskDefinition,
): Promise<Sample[]> {
  const folders = await classFolders(params.dataDir);
  const overrides = parseMappingArgs(params.mapping ?? [], dataLabels(task));
  const source = basename(resolve(params.dataDir));
  const samples: Sample[] = [];
  for (const folder of folders) {
    const label = mapClassFolder(source, folder, task, overrides);
    if (label === undefined) {
      throw new InvalidInputError(
        `class folders ${JSON.stringify(folders)} in ${params.dataDir} do not match the model's labels ${JSON.stringify(task.labels)}: class folder "${folder}" has no label (by name: ${describeFolders(task)}); add --map ${folder}=<label>`,
      );
    }
    const files = (await readdir(join(params.dataDir, folder), { withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.startsWith("."))
      .map((f) => f.name)
      .sort();
    if (files.length === 0)
      throw new InvalidInputError(`class folder ${folder} in ${params.dataDir} has no files`);
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
  // Default heatmap: the positive label's, or (no positive label) the predicted label's.
  const result = await classifyImage(runtime, image, card);
  if (result.ood) run.oodScores.push(result.ood.score);
  const multiclass = isMulticlass(card);
  const probabilities = card.labels.map((label) => result.probabilities[label] as number);
  const row = [
    sample.file,
    sample.label,
    predictedLabel(card, result),
    result.probability.toFixed(6),
    result.peak.x,
    result.peak.y,
    ...(multiclass ? probabilities.map((p) => p.toFixed(6)) : []),
  ];
  run.rows.push(row);
  const index = card.labels.indexOf(sample.label);
  if (index < 0) {
    // A tumor of unknown type: counted apart, not in the metrics or the fingerprint.
    run.untyped.n++;
    if (result.label !== TASKS[card.task].tumorFreeLabel) run.untyped.calledTumor++;
    return;
  }
  if (multiclass) run.probabilityRows.push(probabilities);
  else run.probs.push(result.probability);
  const digest = createHash("sha256")
    .update(await readFile(sample.path))
    .digest("hex");
  run.fingerprintLines.push(`${sample.label}/${digest}`);
  run.yTrue.push(index);
}

/** As the metrics count it (and `training evaluate` writes it): binary positive at p >= 0.5. */
function predictedLabel(
  card: Pick<ResolvedModel["card"], "labels" | "positiveLabel">,
  result: { label: string; probability: number },
): string {
  const { labels, positiveLabel } = card;
  if (isMulticlass(card) || positiveLabel === null) return result.label;
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
