import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  type DicomImage,
  decodeDicom,
  groupDicomSeries,
  sniffFileFormat,
  summarizeSeries,
} from "@neuroledger/sdk/dicom";
import { classifyImage, tumorLabel, tumorProbability } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageBytes } from "@neuroledger/sdk/node";
import { InvalidInputError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface ClassifyStudyParameters {
  model: ResolvedModel;
  /** A folder (searched recursively) or one DICOM file (e.g. a multi-frame series). */
  studyPath: string;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

export interface SeriesOutcome {
  /** 1-based ordinal of the series in its study (series are never named by UID). */
  series: number;
  seriesNumber: number | null;
  modality: string | null;
  slices: number;
  /**
   * The series' result: its most suspicious slice's tumor probability (binary: p(yes); type task:
   * 1 - p(no_tumor)).
   */
  probability: number;
  /**
   * Read from the most suspicious slice: the tumor-free label below 0.5, else the positive label
   * (binary) or that slice's most probable tumor type (type task).
   */
  label: string;
  /** The most suspicious slice: 1-based index in position order, its file (relative) and frame. */
  mostSuspicious: { slice: number; file: string; frame: number };
  /** Slices whose tumor probability is above 0.5. */
  positiveSlices: number;
  /** Tumor probability of every slice, in position order. */
  sliceProbabilities: number[];
  /** 1-based slice indices, most suspicious first (at most 5). */
  topSlices: number[];
}

export interface StudyOutcome {
  study: number;
  /** The study's result: its most suspicious series' probability and label. */
  probability: number;
  label: string;
  series: SeriesOutcome[];
}

export interface ClassifyStudyResult {
  studies: StudyOutcome[];
  /** DICOM files read; files skipped (not DICOM, no pixels, unreadable) with the reason's first line. */
  files: number;
  skipped: { file: string; reason: string }[];
}

/** Every regular file under `root` (recursively), sorted, hidden files left out. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * `neuroledger classify --study <folder|file>`: reads every DICOM file of a folder (recursively; a
 * DICOMDIR and non-DICOM files are skipped and counted), groups them by study and series, orders
 * slices by position, classifies every slice, and reports per series (most suspicious slice, count
 * above 0.5, the tumor probability of each slice, the label) and per study (most suspicious
 * series). Slices are ranked by their tumor probability (`tumorProbability` in the sdk), so a
 * type-task model reads a study too and names the tumor type of its most suspicious slice.
 * Outputs carry no patient attribute and no UID: series and studies are numbered.
 */
export async function classifyStudy(params: ClassifyStudyParameters): Promise<ClassifyStudyResult> {
  const log = params.log ?? silentLogger;
  const info = await stat(params.studyPath).catch((cause) => {
    throw new InvalidInputError(`Cannot read ${params.studyPath}: ${(cause as Error).message}`);
  });
  const root = info.isDirectory() ? params.studyPath : join(params.studyPath, "..");
  const paths = info.isDirectory() ? await listFiles(params.studyPath) : [params.studyPath];
  const { files, skipped } = await readDicomFiles(paths, root);
  if (files.length === 0) {
    throw new InvalidInputError(
      `${params.studyPath} holds no readable DICOM image (${paths.length} file(s) looked at${skipped[0] ? `; ${skipped[0].file}: ${skipped[0].reason}` : ""}).`,
      {
        hints: ["Pass the folder the PACS or the scanner exported (DICOM Part 10 files)."],
      },
    );
  }
  if (skipped.length > 0) log.warn("files skipped", { count: skipped.length });
  const studies = groupDicomSeries(files);
  const total = studies.reduce((n, s) => n + s.series.reduce((m, r) => m + r.slices.length, 0), 0);
  const classifier: SeriesClassifier = {
    runtime: await createNodeRuntime(params.model.modelPath),
    card: params.model.card,
    done: 0,
    onSlice: () => params.onProgress?.(++classifier.done, total),
  };
  const outcomes: StudyOutcome[] = [];
  for (const study of studies) {
    const series: SeriesOutcome[] = [];
    for (const s of study.series) series.push(await classifySeries(classifier, s));
    // The most suspicious series (the first of equals, in series order) gives the study's result.
    const top = series.reduce((best, s) => (s.probability > best.probability ? s : best));
    outcomes.push({ study: study.ordinal, probability: top.probability, label: top.label, series });
  }
  return { studies: outcomes, files: files.length, skipped };
}

/** Decodes each DICOM file of `paths`; the others are skipped with the reason's first line. */
async function readDicomFiles(paths: string[], root: string) {
  const files: { file: string; dicom: DicomImage }[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const path of paths) {
    const file = relative(root, path);
    try {
      const bytes = await readImageBytes(path);
      if (sniffFileFormat(bytes) !== "dicom") {
        skipped.push({ file, reason: "not a DICOM file" });
        continue;
      }
      files.push({ file, dicom: await decodeDicom(bytes, { name: file }) });
    } catch (error) {
      skipped.push({
        file,
        reason: ((error as Error).message ?? String(error)).split("\n")[0] as string,
      });
    }
  }
  return { files, skipped };
}

interface SeriesClassifier {
  runtime: Awaited<ReturnType<typeof createNodeRuntime>>;
  card: ResolvedModel["card"];
  /** Slices classified so far (all series). */
  done: number;
  onSlice: () => void;
}

type DicomSeries = ReturnType<typeof groupDicomSeries>[number]["series"][number];

/** Classifies every slice of one series, in position order, and summarises it. */
async function classifySeries(
  classifier: SeriesClassifier,
  s: DicomSeries,
): Promise<SeriesOutcome> {
  const { runtime, card } = classifier;
  const probabilities: number[] = [];
  const perLabel: Record<string, number>[] = [];
  for (const slice of s.slices) {
    const classification = await classifyImage(runtime, slice.frame.image, card);
    perLabel.push(classification.probabilities);
    probabilities.push(tumorProbability(classification.probabilities, card));
    classifier.onSlice();
  }
  const summary = summarizeSeries(probabilities);
  const top = s.slices[summary.mostSuspicious] as (typeof s.slices)[number];
  return {
    series: s.ordinal,
    seriesNumber: s.seriesNumber ?? null,
    modality: s.modality ?? null,
    slices: summary.slices,
    probability: summary.probability,
    label: tumorLabel(perLabel[summary.mostSuspicious] as Record<string, number>, card),
    mostSuspicious: {
      slice: summary.mostSuspicious + 1,
      file: top.file,
      frame: top.frame.frameIndex + 1,
    },
    positiveSlices: summary.positiveSlices,
    sliceProbabilities: probabilities,
    topSlices: summary.ranking.slice(0, 5).map((i) => i + 1),
  };
}
