import {
  CONTAINER_SALT_BYTES,
  checkContentKey,
  chunkCipher,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
} from "./containerFormat.ts";
import { SegmentBuffer } from "./segmentBuffer.ts";
import { aesGcmEncrypt, randomBytes } from "./webcrypto.ts";

/** Chunks sealed at once: enough to keep two cores busy, memory still a few chunks. */
const MAX_CHUNKS_IN_FLIGHT = 4;

export type StreamProgress = {
  /** Bytes read from the input so far. */
  inputBytes: number;
  /** Bytes written to the output so far. */
  outputBytes: number;
  /** Chunks sealed or opened so far. */
  chunks: number;
  /** The input's total size, when the caller gave it (for progress bars). */
  totalInputBytes: number | undefined;
};

export type EncryptStreamParameters = {
  /** Plaintext bytes per chunk (default 1 MiB). */
  chunkSize?: number;
  /** Header salt; random by default. Pass one only to reproduce test vectors. */
  salt?: Uint8Array;
  /** Called after every chunk. */
  onProgress?: (progress: StreamProgress) => void;
  /** Total plaintext size, copied into the progress reports. */
  totalInputBytes?: number;
};

/**
 * A `TransformStream` that seals plaintext into a version-1 NeuroLedger container
 * (chunked AES-256-GCM). Memory use is one chunk, whatever the input size.
 *
 * @example
 * const key = generateContentKey();
 * await file.stream().pipeThrough(createEncryptStream(key, { onProgress })).pipeTo(sink);
 */
export function createEncryptStream(
  contentKey: Uint8Array,
  parameters: EncryptStreamParameters = {},
): TransformStream<Uint8Array, Uint8Array> {
  checkContentKey(contentKey);
  const key = new Uint8Array(contentKey);
  const header = encodeHeader(
    parameters.chunkSize ?? DEFAULT_CHUNK_SIZE,
    parameters.salt ?? randomBytes(CONTAINER_SALT_BYTES),
  );
  const buffer = new SegmentBuffer(header.chunkSize);
  const progress: StreamProgress = {
    inputBytes: 0,
    outputBytes: 0,
    chunks: 0,
    totalInputBytes: parameters.totalInputBytes,
  };
  let cipher: Awaited<ReturnType<typeof chunkCipher>>;
  let nextIndex = 0;
  // Chunks being sealed, oldest first. WebCrypto copies its input when called, so the segment
  // buffer can be refilled at once, and several chunks seal in parallel on the runtime's crypto
  // threads while they are still emitted in order.
  const inFlight: Promise<Uint8Array<ArrayBuffer>>[] = [];

  const emitOldest = async (controller: TransformStreamDefaultController<Uint8Array>) => {
    const sealed = await (inFlight.shift() as Promise<Uint8Array<ArrayBuffer>>);
    controller.enqueue(sealed);
    progress.chunks += 1;
    progress.outputBytes += sealed.length;
    parameters.onProgress?.({ ...progress });
  };

  const seal = async (
    controller: TransformStreamDefaultController<Uint8Array>,
    plaintext: Uint8Array<ArrayBuffer>,
    final: boolean,
  ) => {
    const index = nextIndex++;
    inFlight.push(
      aesGcmEncrypt(cipher.key, cipher.nonce(index), cipher.aad(index, final), plaintext),
    );
    while (inFlight.length >= MAX_CHUNKS_IN_FLIGHT) await emitOldest(controller);
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      cipher = await chunkCipher(key, header);
      key.fill(0);
      controller.enqueue(header.bytes.slice());
      progress.outputBytes += header.bytes.length;
    },
    async transform(chunk, controller) {
      await buffer.push(chunk, (segment) => seal(controller, segment, false));
      progress.inputBytes += chunk.length;
    },
    async flush(controller) {
      await seal(controller, buffer.rest(), true);
      while (inFlight.length > 0) await emitOldest(controller);
    },
  });
}
