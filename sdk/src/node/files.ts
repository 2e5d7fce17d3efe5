import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { DEFAULT_CHUNK_SIZE } from "../crypto/containerFormat.ts";
import { InvalidInputError } from "../errors.ts";
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

/** Reads and decodes a PNG or JPEG file. */
export async function readImageFile(
  path: string,
  parameters: DecodeImageParameters & { maxFileBytes?: number } = {},
): Promise<RawImage> {
  const size = await stat(path).then(
    (info) => info.size,
    (cause) => {
      throw new InvalidInputError(`Cannot read the image file ${path}.`, {
        details: (cause as Error).message,
        cause,
      });
    },
  );
  const maxFileBytes = parameters.maxFileBytes ?? DEFAULT_MAX_IMAGE_FILE_BYTES;
  if (size > maxFileBytes) {
    throw new InvalidInputError(
      `The image file ${path} is too large (${size} bytes; the limit is ${maxFileBytes}).`,
    );
  }
  return decodeImage(await readFile(path), parameters);
}
