import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { DEFAULT_CHUNK_SIZE } from "../crypto/containerFormat.ts";
import { decodeDicom } from "../dicom/decodeDicom.ts";
import {
  checkImageNotTooSmall,
  sniffFileFormat,
  sniffGzippedNifti,
  unsupportedFormatError,
} from "../dicom/fileFormat.ts";
import { InvalidInputError } from "../errors.ts";
import { applyExifOrientation, exifOrientation } from "../inference/exifOrientation.ts";
import type { RawImage } from "../inference/rawImage.ts";
import { type DecodeImageParameters, decodeImage } from "./decodeImage.ts";

/**
 * A file as a WHATWG byte stream, ready for `pipeThrough(createEncryptStream(...))`. It reads in
 * pieces of the container's default chunk size, which the encryptor seals without copying.
 */
export function fileReadableStream(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(
    createReadStream(path, { highWaterMark: DEFAULT_CHUNK_SIZE }),
  ) as ReadableStream<Uint8Array>;
}

/**
 * Writes a stream to `path` atomically: into a temporary file in the same folder, renamed over
 * `path` only when the stream ended without error. On failure the temporary file is removed and
 * `path` is untouched (no partial file).
 */
export async function writeStreamAtomically(
  stream: ReadableStream<Uint8Array>,
  path: string,
): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`,
  );
  try {
    await stream.pipeTo(Writable.toWeb(createWriteStream(temporary, { flags: "wx" })));
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Image files larger than this are refused before they are read (default 200 MB). */
export const DEFAULT_MAX_IMAGE_FILE_BYTES = 200 * 1024 * 1024;

export type ReadImageFileParameters = DecodeImageParameters & {
  maxFileBytes?: number;
  /** Refuse images with a side under this many pixels (default 0: no limit; the CLI passes MIN_IMAGE_SIDE). */
  minSide?: number;
};

/**
 * Reads one image file to the 8-bit pixels the model sees (docs/interfaces.md section 2.0): PNG
 * and JPEG turned upright by their EXIF orientation, or a single-frame DICOM windowed to grey.
 * Every other input gets an error that names it: a folder, an empty file, a multi-frame DICOM,
 * NIfTI (`.nii`, `.nii.gz`), TIFF, zip and other formats, an image too small or too large.
 */
export async function readImageFile(
  path: string,
  parameters: ReadImageFileParameters = {},
): Promise<RawImage> {
  const bytes = await readImageBytes(path, parameters.maxFileBytes);
  const name = basename(path);
  const format = sniffFileFormat(bytes);
  let image: RawImage;
  if (format === "dicom") {
    const dicom = await decodeDicom(bytes, {
      name,
      ...(parameters.maxPixels ? { maxPixels: parameters.maxPixels } : {}),
    });
    if (dicom.frames.length !== 1) {
      throw new InvalidInputError(
        `${name} is a multi-frame DICOM with ${dicom.frames.length} slices, not one image.`,
        {
          hints: ["Classify it as a series: `neuroledger classify --study <folder or file>`."],
        },
      );
    }
    image = dicom.frames[0]!.image;
  } else if (format === "png" || format === "jpeg") {
    image = applyExifOrientation(decodeImage(bytes, parameters), exifOrientation(bytes));
  } else {
    throw unsupportedFormatError(
      format,
      bytes,
      name,
      format === "gzip" && sniffGzippedNifti(bytes),
    );
  }
  if (parameters.minSide)
    checkImageNotTooSmall(image.width, image.height, name, parameters.minSide);
  return image;
}

/** A file's bytes, with sentences for a folder, a missing file or one over `maxFileBytes`. */
export async function readImageBytes(
  path: string,
  maxFileBytes = DEFAULT_MAX_IMAGE_FILE_BYTES,
): Promise<Uint8Array> {
  const info = await stat(path).catch((cause) => {
    throw new InvalidInputError(`Cannot read the image file ${path}.`, {
      details: (cause as Error).message,
      cause,
    });
  });
  if (info.isDirectory()) {
    throw new InvalidInputError(`${path} is a folder, not an image file.`, {
      hints: ["Pass one image file, or classify a folder of DICOM files with `--study <folder>`."],
    });
  }
  if (!info.isFile()) throw new InvalidInputError(`${path} is not a regular file.`);
  if (info.size > maxFileBytes) {
    throw new InvalidInputError(
      `The image file ${path} is too large (${info.size} bytes; the limit is ${maxFileBytes}).`,
    );
  }
  return new Uint8Array(await readFile(path));
}
