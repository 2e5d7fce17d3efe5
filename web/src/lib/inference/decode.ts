import { ImageDecodeError, ImageTooLargeError } from "@neuroledger/sdk/errors";
import { DEFAULT_MAX_PIXELS } from "@neuroledger/sdk/inference";

/** Files beyond this size are refused before any decoding (MRI slices are a few MB at most). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export type ImageKind = "jpeg" | "png";

/** JPEG or PNG by their magic bytes (a file's name and MIME type can lie). */
export function sniffImageKind(head: Uint8Array): ImageKind | null {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.every((byte, i) => head[i] === byte)) return "png";
  return null;
}

export interface DecodedImage {
  /** Full-resolution RGBA pixels (alpha is ignored by preprocessing). */
  pixels: ImageData;
  /** The decoded bitmap, for drawing previews. */
  bitmap: ImageBitmap;
  kind: ImageKind;
}

/**
 * Decodes a JPEG or PNG in the page (never uploaded) to 8-bit RGBA: grayscale and palettes come
 * out as RGB, EXIF orientation is ignored and no colour conversion applied (docs/interfaces.md §2).
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
  const kind = sniffImageKind(new Uint8Array(await file.slice(0, 8).arrayBuffer()));
  if (!kind) {
    throw new ImageDecodeError(`${name} is not a JPEG or PNG image.`, {
      hints: ["Only JPEG and PNG files can be classified."],
    });
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: "none",
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
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new ImageDecodeError("This browser cannot read pixels from a canvas.");
  context.drawImage(bitmap, 0, 0);
  return { pixels: context.getImageData(0, 0, width, height), bitmap, kind };
}
