// SDK micro-benchmarks: container throughput, streaming SHA-256, keyrings for 100 accounts,
// preprocessing + inference + heatmap latency. Prints a table, writes sdk/bench/results.json.
// Run: pnpm -C sdk bench  (use `nice -n 10` on a shared machine)
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { x25519 } from "@noble/curves/ed25519.js";
import { parseModelCard } from "../src/card/parseModelCard.ts";
import { generateContentKey } from "../src/crypto/container.ts";
import { createDecryptStream } from "../src/crypto/decryptStream.ts";
import { createEncryptStream } from "../src/crypto/encryptStream.ts";
import { buildKeyring, rewrapKeyring } from "../src/crypto/keyring.ts";
import { createSha256Stream } from "../src/crypto/sha256Stream.ts";
import { bytesToStream } from "../src/crypto/streams.ts";
import { randomBytes } from "../src/crypto/webcrypto.ts";
import { unwrapContentKey, wrapContentKey } from "../src/crypto/wrap.ts";
import { classifyImage } from "../src/inference/classify.ts";
import { heatmapToRgba, resizeHeatmap } from "../src/inference/heatmap.ts";
import { preprocessImage } from "../src/inference/preprocess.ts";
import { readImageFile } from "../src/node/files.ts";
import { createNodeRuntime } from "../src/node/onnxRuntime.ts";
import { createNodeSha256Stream } from "../src/node/sha256.ts";

type Row = { name: string; value: number; unit: string; note?: string };
const rows: Row[] = [];
const MB = 1e6;

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

// Container throughput, 64 MB in 1 MiB slices.
const size = 64 * 1024 * 1024;
const plaintext = randomBytes(size);
const key = generateContentKey();
const container = new Uint8Array(size + 32 + 16 * 64);
{
  let offset = 0;
  const [, ms] = await timed(() =>
    bytesToStream(plaintext, 1 << 20)
      .pipeThrough(createEncryptStream(key))
      .pipeTo(
        new WritableStream({
          write(chunk) {
            container.set(chunk, offset);
            offset += chunk.length;
          },
        }),
      ),
  );
  rows.push({
    name: "encrypt 64 MiB (stream, 1 MiB chunks)",
    value: size / MB / (ms / 1000),
    unit: "MB/s",
  });
}
{
  const [, ms] = await timed(() =>
    drain(bytesToStream(container, 1 << 20).pipeThrough(createDecryptStream(key))),
  );
  rows.push({ name: "decrypt 64 MiB (stream)", value: size / MB / (ms / 1000), unit: "MB/s" });
}
{
  const hash = createSha256Stream();
  const [, ms] = await timed(() =>
    drain(bytesToStream(plaintext, 1 << 20).pipeThrough(hash.stream)),
  );
  rows.push({
    name: "sha256 stream 64 MiB (@noble/hashes)",
    value: size / MB / (ms / 1000),
    unit: "MB/s",
  });
  const [, nodeMs] = await timed(async () => createHash("sha256").update(plaintext).digest());
  rows.push({
    name: "sha256 64 MiB (node:crypto, reference)",
    value: size / MB / (nodeMs / 1000),
    unit: "MB/s",
  });
  const sink = createSha256Stream();
  const [, allMs] = await timed(() =>
    drain(
      bytesToStream(container, 1 << 20)
        .pipeThrough(createDecryptStream(key))
        .pipeThrough(sink.stream),
    ),
  );
  rows.push({
    name: "decrypt + sha256 64 MiB (portable, browser path)",
    value: size / MB / (allMs / 1000),
    unit: "MB/s",
  });
  const nodeHash = createNodeSha256Stream();
  const [, nodeAllMs] = await timed(() =>
    drain(
      bytesToStream(container, 1 << 20)
        .pipeThrough(createDecryptStream(key))
        .pipeThrough(nodeHash.stream),
    ),
  );
  rows.push({
    name: "decrypt + sha256 64 MiB (createNodeSha256Stream, CLI path)",
    value: size / MB / (nodeAllMs / 1000),
    unit: "MB/s",
  });
}

// Keyrings for 100 accounts.
const recipients = Array.from({ length: 100 }, (_, i) => {
  const secretKey = x25519.utils.randomSecretKey();
  return {
    account: `0x${(i + 1).toString(16).padStart(40, "0")}`,
    publicKey: x25519.getPublicKey(secretKey),
    secretKey,
  };
});
{
  const contentKey = generateContentKey();
  const [keyring, buildMs] = await timed(() => buildKeyring(contentKey, recipients));
  rows.push({ name: "keyring build, 100 accounts", value: buildMs, unit: "ms" });
  const [, unwrapMs] = await timed(async () => {
    for (const [i, r] of recipients.entries()) {
      const w = keyring.wraps[i];
      if (!w) throw new Error("missing wrap");
      await unwrapContentKey(
        {
          ephemeralPublicKey: Buffer.from(w.ephemeralPublicKey.slice(2), "hex"),
          ciphertext: Buffer.from(w.ciphertext.slice(2), "hex"),
        },
        r.secretKey,
      );
    }
  });
  rows.push({ name: "unwrap x 100 (one per account)", value: unwrapMs, unit: "ms" });
  const newcomer = x25519.utils.randomSecretKey();
  const [, rewrapMs] = await timed(() =>
    rewrapKeyring(keyring, contentKey, [
      ...recipients,
      { account: `0x${"f".repeat(40)}`, publicKey: x25519.getPublicKey(newcomer) },
    ]),
  );
  rows.push({ name: "re-wrap: add 1 account to 100", value: rewrapMs, unit: "ms" });
  const [, oneMs] = await timed(() =>
    wrapContentKey({ contentKey, recipientPublicKey: x25519.getPublicKey(newcomer) }),
  );
  rows.push({ name: "one wrap", value: oneMs, unit: "ms" });
}

// Preprocessing + inference + heatmap on each committed model with vectors.
const models = ["demo", "smoke"].filter((name) =>
  existsSync(new URL(`../../training/models/${name}/vectors/vectors.json`, import.meta.url)),
);
const inference: Record<
  string,
  {
    preprocessP50: number;
    preprocessP95: number;
    classifyP50: number;
    classifyP95: number;
    heatmapP50: number;
  }
> = {};
for (const name of models) {
  const dir = new URL(`../../training/models/${name}/`, import.meta.url);
  const card = parseModelCard(await readFile(new URL("card.json", dir), "utf8"));
  const vectors = JSON.parse(await readFile(new URL("vectors/vectors.json", dir), "utf8"));
  const image = await readImageFile(new URL(`vectors/${vectors.items[0].image}`, dir).pathname);
  for (const threads of [1, 2]) {
    const runtime = await createNodeRuntime(new URL("model.onnx", dir).pathname, { threads });
    await classifyImage(runtime, image, card); // warm-up
    const pre: number[] = [];
    const full: number[] = [];
    const heat: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      preprocessImage(image, card.preprocessing);
      const t1 = performance.now();
      const result = await classifyImage(runtime, image, card);
      const t2 = performance.now();
      heatmapToRgba(resizeHeatmap(result.heatmap, image.width, image.height));
      const t3 = performance.now();
      pre.push(t1 - t0);
      full.push(t2 - t1);
      heat.push(t3 - t2);
    }
    const label = `${name} (${image.width}x${image.height}, ${threads} thread${threads > 1 ? "s" : ""})`;
    inference[label] = {
      preprocessP50: percentile(pre, 50),
      preprocessP95: percentile(pre, 95),
      classifyP50: percentile(full, 50),
      classifyP95: percentile(full, 95),
      heatmapP50: percentile(heat, 50),
    };
    rows.push({ name: `preprocess ${label} p50`, value: percentile(pre, 50), unit: "ms" });
    rows.push({
      name: `preprocess + inference + heatmap ${label} p50`,
      value: percentile(full, 50),
      unit: "ms",
    });
    rows.push({
      name: `preprocess + inference + heatmap ${label} p95`,
      value: percentile(full, 95),
      unit: "ms",
    });
    rows.push({
      name: `heatmap overlay at image size ${label} p50`,
      value: percentile(heat, 50),
      unit: "ms",
    });
  }
}

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`${"benchmark".padEnd(width)}  value`);
for (const r of rows)
  console.log(
    `${r.name.padEnd(width)}  ${r.value.toFixed(r.value < 10 ? 2 : 1).padStart(9)} ${r.unit}`,
  );
const out = new URL("../bench/results.json", import.meta.url);
await writeFile(
  out,
  `${JSON.stringify({ node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, measuredAt: new Date().toISOString(), rows, inference }, null, 2)}\n`,
);
console.log("wrote sdk/bench/results.json");
