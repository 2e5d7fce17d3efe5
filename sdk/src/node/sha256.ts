import { createHash } from "node:crypto";
import type { Hex } from "../crypto/bytes.ts";
import type { Sha256Stream } from "../crypto/sha256Stream.ts";

/**
 * The Node version of `createSha256Stream` (same shape), on node:crypto's native SHA-256: about
 * five times the throughput of the portable @noble/hashes one (see sdk/bench/results.json), which
 * matters on the download path (decrypt + verify).
 */
export function createNodeSha256Stream(): Sha256Stream {
  const hash = createHash("sha256");
  let resolve!: (hex: Hex) => void;
  const digest = new Promise<Hex>((res) => {
    resolve = res;
  });
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      resolve(`0x${hash.digest("hex")}`);
    },
  });
  return { stream, digest };
}
