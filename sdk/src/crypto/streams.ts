/** Helpers to move between byte arrays and WHATWG streams (browser and Node alike). */

import { joinBytes } from "./bytes.ts";

/** A stream that yields `bytes` in slices of `sliceSize` (default: one slice). */
export function bytesToStream(
  bytes: Uint8Array,
  sliceSize = bytes.length || 1,
): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + sliceSize));
      offset += sliceSize;
    },
  });
}

/** Reads a whole stream into one array (for small data: keyrings, tests). */
export async function streamToBytes(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return joinBytes(parts);
}
