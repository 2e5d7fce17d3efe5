import { sha256 } from "@noble/hashes/sha2.js";
import { type Hex, toHex } from "./bytes.ts";

export type Sha256Stream = {
  /** Passes bytes through unchanged while hashing them. */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Resolves with the SHA-256 of everything that went through, once the stream closes (await it only after the pipe succeeded: an aborted pipe never closes it). */
  digest: Promise<Hex>;
};

/**
 * A pass-through stream that computes SHA-256 incrementally. WebCrypto's digest is one-shot (it
 * needs the whole input in memory), so this uses @noble/hashes to keep memory flat for large models.
 *
 * @example
 * const hash = createSha256Stream();
 * await body.pipeThrough(createDecryptStream(key)).pipeThrough(hash.stream).pipeTo(sink);
 * if ((await hash.digest) !== onChainSha256) throw ...
 */
export function createSha256Stream(): Sha256Stream {
  const hasher = sha256.create();
  let resolve!: (hex: Hex) => void;
  const digest = new Promise<Hex>((res) => {
    resolve = res;
  });
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hasher.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      resolve(toHex(hasher.digest()));
    },
  });
  return { stream, digest };
}

/** SHA-256 of bytes in memory, 0x-prefixed hex. */
export function sha256Hex(bytes: Uint8Array): Hex {
  return toHex(sha256(bytes));
}
