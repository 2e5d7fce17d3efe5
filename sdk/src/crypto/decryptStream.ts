import { DecryptionFailedError, InvalidContainerError } from "../errors.ts";
import {
  type ChunkCipher,
  CONTAINER_HEADER_BYTES,
  CONTAINER_TAG_BYTES,
  checkContentKey,
  chunkCipher,
  parseHeader,
} from "./containerFormat.ts";
import type { StreamProgress } from "./encryptStream.ts";
import { SegmentBuffer } from "./segmentBuffer.ts";
import { aesGcmDecrypt } from "./webcrypto.ts";

export type DecryptStreamParameters = {
  /** Called after every chunk. */
  onProgress?: (progress: StreamProgress) => void;
  /** Total container size, copied into the progress reports. */
  totalInputBytes?: number;
};

/**
 * A `TransformStream` that opens a version-1 NeuroLedger container. Every chunk is authenticated
 * before it is passed on; tampering, reordering, truncation, extension or a wrong key make the
 * stream error with {@link DecryptionFailedError} (or {@link InvalidContainerError} for a bad
 * header). Output already passed on before the error must be discarded by the consumer (write
 * to a temporary file and rename on success).
 *
 * @example
 * await response.body.pipeThrough(createDecryptStream(key)).pipeTo(sink);
 */
export function createDecryptStream(
  contentKey: Uint8Array,
  parameters: DecryptStreamParameters = {},
): TransformStream<Uint8Array, Uint8Array> {
  checkContentKey(contentKey);
  const key = new Uint8Array(contentKey);
  const headerBytes = new Uint8Array(CONTAINER_HEADER_BYTES);
  let headerFilled = 0;
  let cipher: ChunkCipher | undefined;
  let segments: SegmentBuffer | undefined;
  const progress: StreamProgress = {
    inputBytes: 0,
    outputBytes: 0,
    chunks: 0,
    totalInputBytes: parameters.totalInputBytes,
  };

  const open = async (
    controller: TransformStreamDefaultController<Uint8Array>,
    sealed: Uint8Array<ArrayBuffer>,
    final: boolean,
  ) => {
    const active = cipher as ChunkCipher;
    const index = progress.chunks;
    let plaintext: Uint8Array<ArrayBuffer>;
    try {
      plaintext = await aesGcmDecrypt(
        active.key,
        active.nonce(index),
        active.aad(index, final),
        sealed,
      );
    } catch (cause) {
      throw new DecryptionFailedError(
        `Decryption failed at chunk ${index}: the data is not authentic.`,
        {
          details: final
            ? "The last chunk did not verify: the container was truncated, extended, tampered with, or the key is wrong."
            : "A chunk did not verify: the container was tampered with or reordered, or the key is wrong.",
          hints: [
            "Fetch the file again; if it keeps failing, check that the keyring belongs to this model.",
          ],
          cause,
        },
      );
    }
    controller.enqueue(plaintext);
    progress.chunks += 1;
    progress.outputBytes += plaintext.length;
    parameters.onProgress?.({ ...progress });
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      let body = chunk;
      if (!cipher) {
        const take = Math.min(CONTAINER_HEADER_BYTES - headerFilled, chunk.length);
        headerBytes.set(chunk.subarray(0, take), headerFilled);
        headerFilled += take;
        body = chunk.subarray(take);
        if (headerFilled < CONTAINER_HEADER_BYTES) {
          progress.inputBytes += chunk.length;
          return;
        }
        const header = parseHeader(headerBytes);
        cipher = await chunkCipher(key, header);
        key.fill(0);
        segments = new SegmentBuffer(header.chunkSize + CONTAINER_TAG_BYTES);
      }
      await (segments as SegmentBuffer).push(body, (segment) => open(controller, segment, false));
      progress.inputBytes += chunk.length;
    },
    async flush(controller) {
      if (!cipher) {
        throw new InvalidContainerError(
          "Not a NeuroLedger encrypted container: the stream ended inside the 32-byte header.",
          {
            details: `Got ${headerFilled} bytes.`,
          },
        );
      }
      const last = (segments as SegmentBuffer).rest();
      if (last.length < CONTAINER_TAG_BYTES) {
        throw new DecryptionFailedError("Decryption failed: the container is truncated.", {
          details: `The last chunk has ${last.length} bytes, fewer than its 16-byte tag.`,
        });
      }
      await open(controller, last, true);
    },
  });
}
