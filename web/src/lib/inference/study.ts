import {
  type DicomFrame,
  type DicomImage,
  groupDicomSeries,
  type SeriesResult,
  sniffFileFormat,
  summarizeSeries,
} from "@neuroledger/sdk/dicom";
import type { Classification, RawImage } from "@neuroledger/sdk/inference";
import { unzipSync } from "fflate";
import { MAX_FILE_BYTES, rawToImageData } from "./decode.ts";
import type { DicomFileReader } from "./studySlices.ts";

/** One slice of a series in the page: pixels, modality values for display windowing, its result. */
export interface SliceView {
  file: string;
  pixels: ImageData;
  /** The decoded 8-bit frame the model saw (what a second task's model classifies too). */
  image: RawImage;
  /** Modality values (grey frames), for the display window only; the model saw the 8-bit frame. */
  modality?: Float32Array;
  classification: Classification;
}

export interface SeriesView {
  study: number;
  series: number;
  seriesNumber?: number;
  modality?: string;
  slices: SliceView[];
  result: SeriesResult;
  /** The header's display window of the first slice, or one spanning the values. */
  window: { center: number; width: number };
  /**
   * The tumor type on the most suspicious slice, by the type task's model when one is loaded
   * (`tumorLabel`: no_tumor below 0.5 tumor probability, else the most probable type).
   */
  tumorType?: TumorTypeView;
}

/** A second task's reading of a series' most suspicious slice. */
export interface TumorTypeView {
  /** The model that read it, as "name version". */
  model: string;
  label: string;
  /** That label's probability. */
  probability: number;
}

/** Files or a zip, flattened to named byte arrays (a zip's folders become path prefixes). */
async function expand(files: readonly File[]): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES * 10) continue;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const name = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    if (sniffFileFormat(bytes) === "zip") {
      for (const [inner, data] of Object.entries(unzipSync(bytes))) {
        if (!inner.endsWith("/")) out.push({ name: `${name}/${inner}`, bytes: data });
      }
    } else out.push({ name, bytes });
  }
  return out;
}

function displayWindow(dicom: DicomImage, modality: Float32Array | undefined) {
  const w = dicom.frames[0]?.window;
  if (w?.method === "header") return { center: w.center, width: w.width };
  if (w?.method === "automatic")
    return { center: (w.low + w.high) / 2, width: Math.max(1, w.high - w.low) };
  if (!modality) return { center: 127.5, width: 256 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of modality) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { center: (min + max) / 2, width: Math.max(1, max - min) };
}

export interface StudyRead {
  series: SeriesView[];
  skipped: { file: string; reason: string }[];
  /** Milliseconds from the files to the study result. */
  elapsedMs: number;
}

/**
 * Reads a DICOM study from files (a folder's files, many files, a zip; a DICOMDIR and other
 * non-image files are skipped and counted): `read` decodes and classifies every file (the study
 * workers read several at once), then the slices are grouped by study and series, ordered by
 * position and each series summarised. Patient attributes are never read; series are named by
 * ordinal and SeriesNumber, never by UID.
 */
export async function readStudy(
  files: readonly File[],
  read: DicomFileReader,
  onProgress: (phase: "reading" | "classifying", done: number, total: number) => void = () => {},
): Promise<StudyRead> {
  const t0 = performance.now();
  const entries = await expand(files);
  onProgress("classifying", 0, entries.length);
  const { decoded, skipped, results } = await readFiles(entries, read, (done) =>
    onProgress("classifying", done, entries.length),
  );
  if (decoded.length === 0) {
    const first = skipped[0];
    throw new Error(
      `None of these files is a readable DICOM image${first ? ` (${first.file}: ${first.reason})` : ""}.`,
    );
  }
  const views: SeriesView[] = [];
  for (const study of groupDicomSeries(decoded)) {
    for (const s of study.series) {
      const slices = s.slices.map((slice) =>
        sliceView(slice.file, slice.frame, results.get(slice.frame) as Classification),
      );
      const first = decoded.find((d) => d.file === s.slices[0]?.file)?.dicom;
      views.push(seriesView(study.ordinal, s, slices, first));
    }
  }
  return { series: views, skipped, elapsedMs: performance.now() - t0 };
}

/** Reads every DICOM entry with `read` (all asked at once; the reader bounds how many run). */
async function readFiles(
  entries: Awaited<ReturnType<typeof expand>>,
  read: DicomFileReader,
  onDone: (done: number) => void,
) {
  const skipped: { file: string; reason: string }[] = [];
  const decoded: { file: string; dicom: DicomImage }[] = [];
  const results = new Map<DicomFrame, Classification>();
  let done = 0;
  const outcomes = await Promise.all(
    entries.map(async ({ name, bytes }) => {
      try {
        if (sniffFileFormat(bytes) !== "dicom") return { name, reason: "not a DICOM file" };
        return { name, file: await read(name, bytes) };
      } catch (cause) {
        const reason =
          (cause as { shortMessage?: string }).shortMessage ??
          (cause instanceof Error ? cause.message : String(cause));
        return { name, reason };
      } finally {
        onDone(++done);
      }
    }),
  );
  // In the files' order, whatever order the workers finished in.
  for (const outcome of outcomes) {
    if (!("file" in outcome) || !outcome.file) {
      skipped.push({ file: outcome.name, reason: outcome.reason as string });
      continue;
    }
    const { dicom, classifications } = outcome.file;
    decoded.push({ file: outcome.name, dicom });
    for (const [i, frame] of dicom.frames.entries())
      results.set(frame, classifications[i] as Classification);
  }
  return { decoded, skipped, results };
}

/**
 * A slice for the viewer. Its RGBA pixels are made when first drawn (most slices of a long
 * series never are; grey frames are drawn from their modality values anyway).
 */
function sliceView(file: string, frame: DicomFrame, classification: Classification): SliceView {
  let pixels: ImageData | undefined;
  return {
    file,
    image: frame.image,
    get pixels() {
      pixels ??= rawToImageData(frame.image);
      return pixels;
    },
    ...(frame.modalityValues ? { modality: frame.modalityValues } : {}),
    classification,
  };
}

type DicomSeries = ReturnType<typeof groupDicomSeries>[number]["series"][number];

/** One classified series: its summary, and a display window from its first slice's header. */
function seriesView(
  study: number,
  s: DicomSeries,
  slices: SliceView[],
  first: DicomImage | undefined,
): SeriesView {
  return {
    study,
    series: s.ordinal,
    ...(s.seriesNumber !== undefined ? { seriesNumber: s.seriesNumber } : {}),
    ...(s.modality ? { modality: s.modality } : {}),
    slices,
    result: summarizeSeries(slices.map((x) => x.classification.probability)),
    window: first ? displayWindow(first, slices[0]?.modality) : { center: 127.5, width: 256 },
  };
}
