import {
  type DicomImage,
  decodeDicom,
  groupDicomSeries,
  type SeriesResult,
  sniffFileFormat,
  summarizeSeries,
} from "@neuroledger/sdk/dicom";
import type { Classification } from "@neuroledger/sdk/inference";
import { unzipSync } from "fflate";
import { MAX_FILE_BYTES, rawToImageData } from "./decode.ts";

/** One slice of a series in the page: pixels, modality values for display windowing, its result. */
export interface SliceView {
  file: string;
  pixels: ImageData;
  /** Modality values (grey frames), for the display window only; the model saw `pixels`. */
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
 * non-image files are skipped and counted), groups by study and series, orders slices by position,
 * classifies each slice with `classify` (one after the other) and summarises each series. Patient
 * attributes are never read; series are named by ordinal and SeriesNumber, never by UID.
 */
export async function readStudy(
  files: readonly File[],
  classify: (pixels: ImageData) => Promise<Classification>,
  onProgress: (phase: "reading" | "classifying", done: number, total: number) => void = () => {},
): Promise<StudyRead> {
  const t0 = performance.now();
  const { decoded, skipped } = await decodeFiles(await expand(files), onProgress);
  if (decoded.length === 0) throw new Error("None of these files is a readable DICOM image.");
  const studies = groupDicomSeries(decoded);
  const total = studies.reduce((n, s) => n + s.series.reduce((m, r) => m + r.slices.length, 0), 0);
  let done = 0;
  const classifySlice = async (slice: DicomSlice): Promise<SliceView> => {
    const pixels = rawToImageData(slice.frame.image);
    const view = {
      file: slice.file,
      pixels,
      ...(slice.frame.modalityValues ? { modality: slice.frame.modalityValues } : {}),
      classification: await classify(pixels),
    };
    onProgress("classifying", ++done, total);
    return view;
  };
  const views: SeriesView[] = [];
  for (const study of studies) {
    for (const s of study.series) {
      const slices: SliceView[] = [];
      for (const slice of s.slices) slices.push(await classifySlice(slice));
      const first = decoded.find((d) => d.file === s.slices[0]?.file)?.dicom;
      views.push(seriesView(study.ordinal, s, slices, first));
    }
  }
  return { series: views, skipped, elapsedMs: performance.now() - t0 };
}

type DicomSeries = ReturnType<typeof groupDicomSeries>[number]["series"][number];
type DicomSlice = DicomSeries["slices"][number];

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

/** Decodes each DICOM entry (modality values kept); the others are skipped with the reason. */
async function decodeFiles(
  entries: Awaited<ReturnType<typeof expand>>,
  onProgress: (phase: "reading", done: number, total: number) => void,
) {
  const skipped: { file: string; reason: string }[] = [];
  const decoded: { file: string; dicom: DicomImage }[] = [];
  for (const [i, { name, bytes }] of entries.entries()) {
    try {
      if (sniffFileFormat(bytes) !== "dicom")
        skipped.push({ file: name, reason: "not a DICOM file" });
      else
        decoded.push({
          file: name,
          dicom: await decodeDicom(bytes, { name, keepModalityValues: true }),
        });
    } catch (cause) {
      const message = (cause as { shortMessage?: string }).shortMessage ?? String(cause);
      skipped.push({ file: name, reason: message });
    }
    onProgress("reading", i + 1, entries.length);
  }
  return { decoded, skipped };
}
