import type { DicomFrame, DicomImage } from "./decodeDicom.ts";

/** One slice of a series: a frame of a file, in series order. */
export interface SeriesSlice {
  /** The file's name or path, as the caller gave it. */
  file: string;
  frame: DicomFrame;
}

export interface DicomSeries {
  /** 1-based ordinal of the series in its study (results name series by this, never by UID). */
  ordinal: number;
  seriesNumber?: number;
  modality?: string;
  /** Kept in memory to group; never shown or exported. */
  seriesInstanceUid: string;
  slices: SeriesSlice[];
}

export interface DicomStudy {
  /** 1-based ordinal of the study among those given. */
  ordinal: number;
  /** Kept in memory to group; never shown or exported. */
  studyInstanceUid: string;
  series: DicomSeries[];
}

const dot = (a: readonly number[], b: readonly number[]) =>
  a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/** The slice normal: row direction x column direction of ImageOrientationPatient. */
function sliceNormal(o: DicomImage["orientation"]): [number, number, number] | undefined {
  if (!o) return undefined;
  const [r0, r1, r2, c0, c1, c2] = o;
  return [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
}

/**
 * Groups decoded DICOM files by study, then series, and orders each series' frames along the slice
 * normal (ImagePositionPatient . normal), then by InstanceNumber, frame index and file name
 * (docs/interfaces.md section 2.0). Studies and series keep the order in which they were first
 * seen; files without UIDs form a study / series of their own per missing UID.
 */
export function groupDicomSeries(
  files: readonly { file: string; dicom: DicomImage }[],
): DicomStudy[] {
  type Entry = { file: string; dicom: DicomImage; frame: DicomFrame; along?: number };
  const studies = new Map<string, Map<string, Entry[]>>();
  for (const { file, dicom } of files) {
    const studyUid = dicom.studyInstanceUid ?? `(no study uid) ${file}`;
    const seriesUid = dicom.seriesInstanceUid ?? `(no series uid) ${file}`;
    const study = studies.get(studyUid) ?? new Map<string, Entry[]>();
    studies.set(studyUid, study);
    const series = study.get(seriesUid) ?? [];
    study.set(seriesUid, series);
    const normal = sliceNormal(dicom.orientation);
    for (const frame of dicom.frames) {
      const along = normal && frame.position ? dot(frame.position, normal) : undefined;
      series.push({ file, dicom, frame, ...(along === undefined ? {} : { along }) });
    }
  }
  const order = (a: Entry, b: Entry) =>
    (a.along !== undefined && b.along !== undefined ? a.along - b.along : 0) ||
    (a.dicom.instanceNumber ?? 0) - (b.dicom.instanceNumber ?? 0) ||
    a.frame.frameIndex - b.frame.frameIndex ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return [...studies].map(([studyInstanceUid, seriesMap], s) => ({
    ordinal: s + 1,
    studyInstanceUid,
    series: [...seriesMap].map(([seriesInstanceUid, entries], k) => {
      const first = entries[0]!.dicom;
      return {
        ordinal: k + 1,
        ...(first.seriesNumber !== undefined ? { seriesNumber: first.seriesNumber } : {}),
        ...(first.modality ? { modality: first.modality } : {}),
        seriesInstanceUid,
        slices: [...entries].sort(order).map(({ file, frame }) => ({ file, frame })),
      };
    }),
  }));
}

/** A series' result from its slices' tumor probabilities (in series order). */
export interface SeriesResult {
  slices: number;
  /** Highest slice probability: the series' result. */
  probability: number;
  /** 0-based index (in series order) of the most suspicious slice. */
  mostSuspicious: number;
  /** Slices with probability above 0.5. */
  positiveSlices: number;
  /** Slice indices, most suspicious first. */
  ranking: number[];
}

/** The series result of docs/interfaces.md section 2.0 from per-slice probabilities. */
export function summarizeSeries(probabilities: readonly number[]): SeriesResult {
  const ranking = probabilities
    .map((_, i) => i)
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  const top = ranking[0] ?? 0;
  return {
    slices: probabilities.length,
    probability: probabilities[top] ?? 0,
    mostSuspicious: top,
    positiveSlices: probabilities.filter((p) => p > 0.5).length,
    ranking,
  };
}
