import { Gunzip } from "fflate";
import { ImageTooSmallError, UnsupportedFileFormatError } from "../errors.ts";

/** What a file's first bytes say it is (never its name). */
export type FileFormat =
  | "png"
  | "jpeg"
  | "dicom"
  | "nifti"
  | "gzip"
  | "tiff"
  | "zip"
  | "bmp"
  | "gif"
  | "webp"
  | "empty"
  | "unknown";

/** Images with a side under this many pixels are refused (docs/interfaces.md section 2.0). */
export const MIN_IMAGE_SIDE = 32;

const startsWith = (bytes: Uint8Array, at: number, ...expected: number[]): boolean =>
  bytes.length >= at + expected.length && expected.every((b, i) => bytes[at + i] === b);

const ascii = (bytes: Uint8Array, at: number, text: string): boolean =>
  startsWith(bytes, at, ...Array.from(text, (c) => c.charCodeAt(0)));

/** NIfTI-1 (348-byte header, magic "n+1"/"ni1" at 344) or NIfTI-2 (540, "n+2"/"ni2" at 4). */
export function isNiftiHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (le: boolean) => view.getInt32(0, le);
  if (
    (size(true) === 348 || size(false) === 348) &&
    (ascii(bytes, 344, "n+1\0") || ascii(bytes, 344, "ni1\0"))
  )
    return true;
  return (
    (size(true) === 540 || size(false) === 540) &&
    (ascii(bytes, 4, "n+2\0") || ascii(bytes, 4, "ni2\0"))
  );
}

/**
 * A bare DICOM dataset (no preamble): its first element is a group 0x0002 or 0x0008 tag,
 * little endian (some old files and pydicom's "no meta" samples).
 */
function isBareDicomDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0]! | (bytes[1]! << 8);
  return (group === 0x0008 || group === 0x0002) && bytes[3] === 0x00;
}

/**
 * Recognises a file by its bytes. `gzip` is returned for any gzip stream; callers that want to name
 * a `.nii.gz` use {@link sniffGzippedNifti}.
 */
export function sniffFileFormat(bytes: Uint8Array): FileFormat {
  if (bytes.length === 0) return "empty";
  if (startsWith(bytes, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (startsWith(bytes, 0, 0xff, 0xd8, 0xff)) return "jpeg";
  if (ascii(bytes, 128, "DICM")) return "dicom";
  if (isNiftiHeader(bytes)) return "nifti";
  if (startsWith(bytes, 0, 0x1f, 0x8b)) return "gzip";
  if (startsWith(bytes, 0, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0, 0x4d, 0x4d, 0x00, 0x2a))
    return "tiff";
  if (startsWith(bytes, 0, 0x50, 0x4b, 0x03, 0x04) || startsWith(bytes, 0, 0x50, 0x4b, 0x05, 0x06))
    return "zip";
  if (ascii(bytes, 0, "BM")) return "bmp";
  if (ascii(bytes, 0, "GIF8")) return "gif";
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) return "webp";
  if (isBareDicomDataset(bytes)) return "dicom";
  return "unknown";
}

/** Whether a gzip stream starts with a NIfTI header (a `.nii.gz`); inflates only its first bytes. */
export function sniffGzippedNifti(bytes: Uint8Array): boolean {
  const head = new Uint8Array(540);
  let filled = 0;
  try {
    const gunzip = new Gunzip((chunk) => {
      const take = Math.min(chunk.length, head.length - filled);
      head.set(chunk.subarray(0, take), filled);
      filled += take;
    });
    for (let at = 0; at < bytes.length && filled < head.length; at += 4096) {
      gunzip.push(bytes.subarray(at, at + 4096), at + 4096 >= bytes.length);
    }
  } catch {
    // A damaged stream is not named NIfTI; the caller calls it gzip.
  }
  return isNiftiHeader(head.subarray(0, filled));
}

const NAMES: Record<Exclude<FileFormat, "png" | "jpeg" | "dicom">, string> = {
  nifti: "a NIfTI volume (.nii)",
  gzip: "a gzip-compressed file",
  tiff: "a TIFF image",
  zip: "a zip archive",
  bmp: "a BMP image",
  gif: "a GIF image",
  webp: "a WebP image",
  empty: "an empty file (0 bytes)",
  unknown: "not an image format NeuroLedger knows",
};

/**
 * The error for a file that is not PNG, JPEG or DICOM: it names what the file is and what to do.
 * `gzippedNifti` says a gzip stream holds a NIfTI header (see {@link sniffGzippedNifti}).
 */
export function unsupportedFormatError(
  format: FileFormat,
  bytes: Uint8Array,
  name = "The file",
  gzippedNifti = false,
): UnsupportedFileFormatError {
  const what = gzippedNifti
    ? "a gzip-compressed NIfTI volume (.nii.gz)"
    : NAMES[format as keyof typeof NAMES];
  const hints =
    format === "nifti" || gzippedNifti
      ? [
          "NIfTI volumes are not read: export the axial slices as DICOM (or PNG) from your viewer or PACS.",
        ]
      : format === "zip"
        ? ["Unpack the archive and pass the folder (the dApp takes a zip directly)."]
        : format === "empty"
          ? ["The file holds no data: copy it again from its source."]
          : ["NeuroLedger reads PNG, JPEG and DICOM (Part 10) files."];
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new UnsupportedFileFormatError(
    gzippedNifti ? "nifti" : format,
    `${name} is ${what}: only PNG, JPEG and DICOM images can be classified.`,
    { hints, ...(format === "unknown" ? { details: `The file starts with bytes ${head}.` } : {}) },
  );
}

/** Refuses an image with a side under {@link MIN_IMAGE_SIDE} pixels. */
export function checkImageNotTooSmall(
  width: number,
  height: number,
  name?: string,
  minSide = MIN_IMAGE_SIDE,
): void {
  if (width < minSide || height < minSide) {
    throw new ImageTooSmallError(width, height, minSide, {
      hints: [
        `${name ? `${name}: ` : ""}an MRI slice is at least a few hundred pixels wide; pass the original image, not a thumbnail or icon.`,
      ],
    });
  }
}
