// The one decrypt-and-verify path (issue 14, section 3). A model's bytes are trusted only once
// every chunk authenticated AND the plaintext hashes to the sha256 recorded on chain; until then
// they sit in a sink that must not hand them out (memory, or the cli's unlinked scratch file), and
// on any failure the sink is told to drop them. The cli, the web app and the sdk's own
// `decryptModelToFile` all go through `decryptVerified`.
import { IntegrityError } from "../errors.ts";
import type { Hex } from "./bytes.ts";
import { createDecryptStream } from "./decryptStream.ts";
import type { StreamProgress } from "./encryptStream.ts";
import { createSha256Stream, type Sha256Stream } from "./sha256Stream.ts";

/** What a verified decryption reports: the plaintext's sha256 (0x hex, lower case) and size. */
export type VerifiedPlaintext = { sha256: Hex; bytes: number };

/**
 * Where decrypted bytes wait until they are verified. `decryptVerified` calls `write` for every
 * authenticated chunk in order, then `finish` only when the sha256 matched (its result is what
 * `decryptVerified` returns), or `discard` on any failure (after which nothing written may remain
 * readable).
 */
export interface PlaintextSink<T> {
  write(chunk: Uint8Array): void | Promise<void>;
  finish(verified: VerifiedPlaintext): T | Promise<T>;
  discard(reason: unknown): void | Promise<void>;
  /**
   * Optional: the sha256 of everything written, computed by the sink in one go (e.g. WebCrypto
   * over bytes it keeps in memory anyway: ~4x faster in browsers than hashing while streaming).
   * Without it the stream is hashed as it passes (`createHash`).
   */
  digest?(): Promise<Hex>;
}

export type OpenContainerParameters = {
  /** The encrypted container, as it arrives (from IPFS, a gateway, a file). */
  ciphertext: ReadableStream<Uint8Array>;
  /** The 32-byte content key unwrapped from the model's keyring. */
  contentKey: Uint8Array;
  /** Called after every chunk. */
  onProgress?: (progress: StreamProgress) => void;
  /** Container size in bytes, copied into the progress reports. */
  totalInputBytes?: number;
  /** The hasher to use (default the portable one; Node passes `createNodeSha256Stream`). */
  createHash?: () => Sha256Stream;
  /**
   * Chunks buffered before and after decryption, so fetching, AES-GCM (on libuv's thread pool in
   * Node) and hashing overlap (default 4; 0: the streams' defaults).
   */
  readAhead?: number;
};

export type OpenContainerReturnType = {
  /** Authenticated plaintext chunks; NOT yet verified against the chain's sha256. */
  plaintext: ReadableStream<Uint8Array>;
  /** sha256 of the plaintext; resolves once `plaintext` was read to its end. */
  sha256: Promise<Hex>;
};

/**
 * The decrypt stage shared by every reader: container -> authenticated plaintext chunks + their
 * sha256. Low level: callers that need the bytes must use {@link decryptVerified}, which compares
 * the hash before handing anything out; this is for re-encryption (content key rotation), which
 * verifies the digest itself with {@link assertSha256} before registering anything.
 *
 * @example
 * const { plaintext, sha256 } = openContainer({ ciphertext, contentKey });
 */
export function openContainer(parameters: OpenContainerParameters): OpenContainerReturnType {
  const hash = (parameters.createHash ?? createSha256Stream)();
  const plaintext = parameters.ciphertext
    .pipeThrough(readAhead(parameters.readAhead))
    .pipeThrough(
      createDecryptStream(parameters.contentKey, {
        onProgress: parameters.onProgress,
        totalInputBytes: parameters.totalInputBytes,
      }),
    )
    .pipeThrough(readAhead(parameters.readAhead))
    .pipeThrough(hash.stream);
  return { plaintext, sha256: hash.digest };
}

export type DecryptVerifiedParameters<T> = Omit<OpenContainerParameters, "createHash"> & {
  /** The plaintext's sha256 recorded on chain (hex, with or without 0x, any case). */
  expectedSha256: string;
  /** Holds the bytes until they are verified (see {@link PlaintextSink}). */
  sink: PlaintextSink<T>;
  /** Hasher used when the sink computes no digest itself (default the portable one). */
  createHash?: () => Sha256Stream;
};

/**
 * Decrypts a model container into `sink`, every chunk authenticated, and hands out the result of
 * `sink.finish` only when the plaintext's sha256 equals `expectedSha256`.
 *
 * @returns what `sink.finish` returns.
 * @throws {@link DecryptionFailedError} / {@link InvalidContainerError} (tampered, truncated,
 *   reordered, wrong key), {@link IntegrityError} (sha256 differs from the chain's), or whatever
 *   the ciphertext stream or the sink throw; in every case `sink.discard` ran first.
 *
 * @example
 * const model = await decryptVerified({ ciphertext, contentKey, expectedSha256: onChain.sha256, sink });
 */
export async function decryptVerified<T>(parameters: DecryptVerifiedParameters<T>): Promise<T> {
  const { sink } = parameters;
  try {
    const { plaintext, sha256 } = openContainer(
      sink.digest ? { ...parameters, createHash: passThroughHash } : parameters,
    );
    let bytes = 0;
    await plaintext.pipeTo(
      new WritableStream<Uint8Array>({
        async write(chunk) {
          bytes += chunk.length;
          await sink.write(chunk);
        },
      }),
    );
    const actual = sink.digest ? await sink.digest() : await sha256;
    assertSha256(actual, parameters.expectedSha256);
    return await sink.finish({ sha256: normalizeSha256(actual), bytes });
  } catch (error) {
    await sink.discard(error);
    throw error;
  }
}

/**
 * Throws an {@link IntegrityError} unless `actual` and `expected` are the same sha256 (hex, with
 * or without 0x, any case). The one comparison every reader of a model makes.
 *
 * @example
 * assertSha256(await digest, model.sha256);
 */
export function assertSha256(actual: string, expected: string): void {
  const a = normalizeSha256(actual);
  const e = normalizeSha256(expected);
  if (a !== e) {
    throw new IntegrityError(
      `the decrypted model hashes to ${a}, but the chain records ${e}: refused, nothing was handed out`,
      {
        hints: [
          "The keyring or the content on IPFS does not belong to this model; report it to the consortium.",
        ],
      },
    );
  }
}

/** 0x-prefixed lower-case hex. */
function normalizeSha256(hex: string): Hex {
  return `0x${hex.replace(/^0x/i, "").toLowerCase()}`;
}

const passThroughHash = (): Sha256Stream => ({
  stream: new TransformStream<Uint8Array, Uint8Array>(),
  digest: Promise.resolve("0x"),
});

export type DecryptModelToBytesParameters = Omit<DecryptVerifiedParameters<Uint8Array>, "sink">;

/**
 * {@link decryptVerified} into memory, for callers that need the whole model anyway (onnxruntime
 * takes bytes): the plaintext is hashed once at the end with WebCrypto's native digest.
 *
 * @returns the verified model bytes.
 * @throws as {@link decryptVerified}.
 *
 * @example
 * const onnx = await decryptModelToBytes({ ciphertext: response.body, contentKey, expectedSha256 });
 */
export async function decryptModelToBytes(
  parameters: DecryptModelToBytesParameters,
): Promise<Uint8Array> {
  return decryptVerified({ ...parameters, sink: memorySink() });
}

function memorySink(): PlaintextSink<Uint8Array> {
  let parts: Uint8Array[] = [];
  let whole: Uint8Array<ArrayBuffer> | undefined;
  const join = () => {
    if (whole) return whole;
    const size = parts.reduce((n, part) => n + part.length, 0);
    whole = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    parts = [];
    return whole;
  };
  return {
    write(chunk) {
      parts.push(chunk);
    },
    async digest() {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", join()));
      return `0x${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    },
    finish: () => join(),
    discard() {
      // Unverified plaintext: overwrite it rather than leave it to the garbage collector.
      for (const part of parts) part.fill(0);
      whole?.fill(0);
      parts = [];
      whole = undefined;
    },
  };
}

/**
 * A pass-through that buffers up to `chunks` chunks on each side, so the stages around it run at
 * the same time. Memory: at most a few container chunks (1 MiB each by default).
 */
export function readAhead(chunks = 4): TransformStream<Uint8Array, Uint8Array> {
  // High-water marks of 0 on both sides would never let a chunk through: 0 means the default.
  if (chunks <= 0) return new TransformStream<Uint8Array, Uint8Array>();
  return new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    { highWaterMark: chunks },
    { highWaterMark: chunks },
  );
}
