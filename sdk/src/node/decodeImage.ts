import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { type FileFormat, sniffFileFormat, sniffGzippedNifti } from "../dicom/fileFormat.ts";
import { ImageDecodeError, ImageTooLargeError, UnsupportedFileFormatError } from "../errors.ts";
import { DEFAULT_MAX_PIXELS, type RawImage } from "../inference/rawImage.ts";

export type DecodeImageParameters = {
  /** Refuse images with more pixels than this (default 50 million), before decoding them. */
  maxPixels?: number;
};

export type ImageFormat = "png" | "jpeg";

/** Recognises PNG and JPEG by their first bytes; undefined for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  )
    return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return "jpeg";
  return undefined;
}

function checkSize(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(`The image is too large: ${width}x${height} pixels.`, {
      details: `The limit is ${maxPixels.toLocaleString("en")} pixels.`,
      hints: ["MRI slices are far smaller; pass a larger maxPixels only if you really mean it."],
    });
  }
}

/** Width and height from a PNG's IHDR chunk, read before decoding anything. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24) throw new ImageDecodeError("The PNG file is truncated (no IHDR header).");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes a PNG or JPEG file to 8-bit pixels with pure-JS decoders (pngjs, jpeg-js), as the
 * preprocessing spec asks: palette expanded, gray replicated later, alpha kept in the data but
 * dropped by preprocessing (no compositing), gamma ignored. PNG gives RGBA, JPEG gives RGB. The
 * pixels are as stored: {@link readImageFile} applies the EXIF orientation (docs/interfaces.md
 * section 2.0) and also reads DICOM.
 *
 * Note: JPEG decoders differ by a few levels per pixel (IDCT and chroma upsampling); the parity
 * with Pillow is exact for PNG, close for JPEG.
 */
export function decodeImage(bytes: Uint8Array, parameters: DecodeImageParameters = {}): RawImage {
  const maxPixels = parameters.maxPixels ?? DEFAULT_MAX_PIXELS;
  const format = sniffImageFormat(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === "png") return decodePng(bytes, buffer, maxPixels);
  if (format === "jpeg") return decodeJpeg(buffer, maxPixels);
  throw unsupportedFormat(bytes);
}

/** RGBA pixels of a PNG whose IHDR size is within `maxPixels` (checked before decoding). */
function decodePng(bytes: Uint8Array, buffer: Buffer, maxPixels: number): RawImage {
  const { width, height } = pngSize(bytes);
  checkSize(width, height, maxPixels);
  try {
    const png = PNG.sync.read(buffer);
    return {
      width: png.width,
      height: png.height,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
      channels: 4,
    };
  } catch (cause) {
    throw new ImageDecodeError("The PNG file could not be decoded.", {
      details: String((cause as Error).message ?? cause),
      cause,
    });
  }
}

/** RGB pixels of a JPEG; the decoder refuses more than `maxPixels` (ImageTooLargeError). */
function decodeJpeg(buffer: Buffer, maxPixels: number): RawImage {
  try {
    const image = jpeg.decode(buffer, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1_000_000,
      maxMemoryUsageInMB: 1024,
    });
    return { width: image.width, height: image.height, data: image.data, channels: 3 };
  } catch (cause) {
    const message = String((cause as Error).message ?? cause);
    if (/maxResolutionInMP|exceeds/i.test(message)) {
      throw new ImageTooLargeError("The JPEG image is too large.", { details: message, cause });
    }
    throw new ImageDecodeError("The JPEG file could not be decoded.", {
      details: message,
      cause,
    });
  }
}

/** The error for a file that is neither PNG nor JPEG, naming what it looks like. */
function unsupportedFormat(bytes: Uint8Array): UnsupportedFileFormatError {
  const kind = sniffFileFormat(bytes);
  const named =
    kind === "gzip" && sniffGzippedNifti(bytes)
      ? "a gzip-compressed NIfTI volume"
      : FORMAT_NAMES[kind];
  return new UnsupportedFileFormatError(
    kind,
    `Unsupported image format${named ? ` (${named})` : ""}: only PNG and JPEG files can be read here.`,
    {
      details: `The file starts with bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ") || "(empty)"}.`,
      hints:
        kind === "dicom"
          ? ["DICOM files are read by readImageFile or decodeDicom (@neuroledger/sdk/dicom)."]
          : ["NeuroLedger reads PNG, JPEG and DICOM files."],
    },
  );
}

const FORMAT_NAMES: Partial<Record<FileFormat, string>> = {
  dicom: "a DICOM file",
  nifti: "a NIfTI volume",
  gzip: "a gzip-compressed file",
  tiff: "a TIFF image",
  zip: "a zip archive",
  bmp: "a BMP image",
  gif: "a GIF image",
  webp: "a WebP image",
  empty: "an empty file",
};
