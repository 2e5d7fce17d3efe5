import assert from "node:assert/strict";
import { it } from "node:test";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "./bytes.ts";
import { generateContentKey } from "./container.ts";
import { createDecryptStream } from "./decryptStream.ts";
import { createEncryptStream } from "./encryptStream.ts";
import { createSha256Stream } from "./sha256Stream.ts";

const TOTAL = 200 * 1024 * 1024;
const SLICE = 256 * 1024;
const MiB = 1024 * 1024;

/** A 200 MB pseudo-model generated slice by slice (never held whole in memory). */
function generatedModel(expected: ReturnType<typeof sha256.create>): ReadableStream<Uint8Array> {
  let produced = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced >= TOTAL) return controller.close();
        const slice = new Uint8Array(SLICE);
        const view = new DataView(slice.buffer);
        for (let i = 0; i < SLICE; i += 4) view.setUint32(i, Math.imul(produced + i, 2654435761));
        expected.update(slice);
        produced += SLICE;
        controller.enqueue(slice);
      },
    },
    { highWaterMark: 2 },
  );
}

it("streams a 200 MB model through encrypt, decrypt and sha256 with flat memory", async () => {
  const key = generateContentKey();
  const expected = sha256.create();
  const hash = createSha256Stream();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakBuffers = baseline.arrayBuffers;
  let decrypted = 0;
  let lastProgress = 0;

  await generatedModel(expected)
    .pipeThrough(createEncryptStream(key, { totalInputBytes: TOTAL }))
    .pipeThrough(
      createDecryptStream(key, {
        onProgress: (p) => {
          lastProgress = p.outputBytes;
        },
      }),
    )
    .pipeThrough(hash.stream)
    .pipeTo(
      new WritableStream<Uint8Array>({
        write(chunk) {
          decrypted += chunk.length;
          const now = process.memoryUsage();
          peakRss = Math.max(peakRss, now.rss);
          peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
        },
      }),
    );

  assert.equal(decrypted, TOTAL);
  assert.equal(lastProgress, TOTAL);
  assert.equal(await hash.digest, toHex(expected.digest()));
  const rssGrowth = (peakRss - baseline.rss) / MiB;
  const bufferGrowth = (peakBuffers - baseline.arrayBuffers) / MiB;
  console.log(
    `# 200 MB streamed: rss growth ${rssGrowth.toFixed(1)} MiB, array buffers growth ${bufferGrowth.toFixed(1)} MiB`,
  );
  // Holding the model would cost >= 200 MiB; a streaming pipeline stays at a few chunks plus
  // whatever garbage V8 has not collected yet.
  assert.ok(bufferGrowth < 64, `array buffers grew ${bufferGrowth.toFixed(1)} MiB`);
  assert.ok(rssGrowth < 100, `rss grew ${rssGrowth.toFixed(1)} MiB`);
});

it("the Node SHA-256 stream agrees with the portable one", async () => {
  const { createNodeSha256Stream } = await import("../node/sha256.ts");
  const data = new Uint8Array(3_000_001).map((_, i) => i * 31);
  const portable = createSha256Stream();
  const native = createNodeSha256Stream();
  const { bytesToStream, streamToBytes } = await import("./streams.ts");
  await streamToBytes(
    bytesToStream(data, 65_537).pipeThrough(portable.stream).pipeThrough(native.stream),
  );
  assert.equal(await native.digest, await portable.digest);
  assert.equal(await portable.digest, toHex(sha256(data)));
});
