import {
  checkImageNotTooSmall,
  decodeDicom,
  sniffFileFormat,
  sniffGzippedNifti,
  unsupportedFormatError,
} from "@neuroledger/sdk/dicom";
import { ImageDecodeError, ImageTooLargeError } from "@neuroledger/sdk/errors";
import { DEFAULT_MAX_PIXELS, type RawImage } from "@neuroledger/sdk/inference";
import "./dicomCodecs.ts";

/** Files beyond this size are refused before any decoding (MRI slices are a few MB at most). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** Bytes read to recognise a file (DICOM's magic is at 128, NIfTI's at 344). */
const SNIFF_BYTES = 1024;

export type ImageKind = "jpeg" | "png" | "dicom";

/** JPEG, PNG or DICOM by their magic bytes (a file's name and MIME type can lie). */
export function sniffImageKind(head: Uint8Array): ImageKind | null {
  const format = sniffFileFormat(head);
  return format === "jpeg" || format === "png" || format === "dicom" ? format : null;
}

export interface DecodedImage {
  /** Full-resolution RGBA pixels (alpha is ignored by preprocessing). */
  pixels: ImageData;
  /** The decoded bitmap, for drawing previews. */
  bitmap: ImageBitmap;
  kind: ImageKind;
}

/** 8-bit grey or RGB pixels (a decoded DICOM frame) as RGBA ImageData. */
export function rawToImageData(image: RawImage): ImageData {
  const channels = image.channels ?? image.data.length / (image.width * image.height);
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += channels) {
    rgba[p] = image.data[q] as number;
    rgba[p + 1] = image.data[channels >= 3 ? q + 1 : q] as number;
    rgba[p + 2] = image.data[channels >= 3 ? q + 2 : q] as number;
    rgba[p + 3] = 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

async function decodeDicomFile(file: Blob, name: string, maxPixels: number): Promise<DecodedImage> {
  const dicom = await decodeDicom(new Uint8Array(await file.arrayBuffer()), { name, maxPixels });
  if (dicom.frames.length !== 1) {
    throw new ImageDecodeError(
      `${name} is a multi-frame DICOM with ${dicom.frames.length} slices.`,
      {
        hints: ["Drop it on the series view: each frame is classified as a slice."],
      },
    );
  }
  const pixels = rawToImageData((dicom.frames[0] as (typeof dicom.frames)[number]).image);
  return { pixels, bitmap: await createImageBitmap(pixels), kind: "dicom" };
}

/**
 * Decodes a JPEG, PNG or DICOM in the page (never uploaded) to 8-bit RGBA (docs/interfaces.md
 * section 2.0): grayscale and palettes come out as RGB, EXIF orientation is applied (as the CLI and
 * training do), no colour conversion; DICOM is windowed to grey by the SDK. Anything else, an empty
 * file, or an image too small to carry a diagnosis is refused with a sentence that names it.
 */
export async function decodeImageFile(
  file: Blob & { name?: string },
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<DecodedImage> {
  const name = file.name ?? "the image";
  if (file.size > MAX_FILE_BYTES) {
    throw new ImageTooLargeError(
      `${name} is ${(file.size / 1024 ** 2).toFixed(0)} MB: files over ${MAX_FILE_BYTES / 1024 ** 2} MB are refused.`,
      {
        hints: ["Export the slice as a JPEG or PNG of normal size."],
      },
    );
  }
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const format = sniffFileFormat(head);
  if (format === "dicom") {
    const decoded = await decodeDicomFile(file, name, maxPixels);
    checkImageNotTooSmall(decoded.pixels.width, decoded.pixels.height, name);
    return decoded;
  }
  if (format !== "jpeg" && format !== "png") {
    const gzippedNifti =
      format === "gzip" && sniffGzippedNifti(new Uint8Array(await file.arrayBuffer()));
    throw unsupportedFormatError(format, head, name, gzippedNifti);
  }
  const kind = format;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: "from-image",
      premultiplyAlpha: "none",
      colorSpaceConversion: "none",
    });
  } catch (cause) {
    throw new ImageDecodeError(
      `${name} could not be decoded: the ${kind.toUpperCase()} data is damaged or truncated.`,
      { cause },
    );
  }
  const { width, height } = bitmap;
  if (width * height > maxPixels) {
    bitmap.close();
    throw new ImageTooLargeError(
      `${name} is ${width}×${height} pixels, more than the ${(maxPixels / 1e6).toFixed(0)}-megapixel limit.`,
    );
  }
  try {
    checkImageNotTooSmall(width, height, name);
  } catch (error) {
    bitmap.close();
    throw error;
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new ImageDecodeError("This browser cannot read pixels from a canvas.");
  context.drawImage(bitmap, 0, 0);
  return { pixels: context.getImageData(0, 0, width, height), bitmap, kind };
}
