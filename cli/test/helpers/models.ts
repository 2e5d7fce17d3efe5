import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { weightsHash } from "@neuroledger/sdk/card";
// The sdk's test helper that rewrites a real ONNX file (not part of its public API).
import { perturbWeights } from "../../../sdk/src/card/testing/onnxVariants.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The smallest committed model with a card (the smoke model: ~44 KB), for fast tests. */
export function baseModelDir(): string {
  for (const name of ["smoke", "demo"]) {
    const dir = join(REPO_ROOT, "training", "models", name);
    if (existsSync(join(dir, "model.onnx")) && existsSync(join(dir, "card.json"))) return dir;
  }
  throw new Error("no model under training/models (smoke or demo) to test with");
}

/**
 * Writes a distinct, valid copy of the base model: a new network as far as the registry can tell
 * (its first weights nudged in their lowest mantissa bits by a seed from `tag`, so the weights
 * hash differs and the outputs barely move), with field 1000 (length-delimited, skipped by
 * protobuf readers) appended to the ModelProto for the tag and `padding`. The card gets the new
 * sha256 and the given test F1 (for ranking tests).
 */
export async function modelVariant(
  outDir: string,
  tag: string,
  metrics: { f1?: number; accuracy?: number } = {},
  /** Extra bytes inside the skipped field, to make a large model (e.g. for slow downloads). */
  padding = 0,
  /** The model to copy (a folder with model.onnx and card.json); default {@link baseModelDir}. */
  base = baseModelDir(),
): Promise<{ modelPath: string; cardPath: string; sha256: string; weightsHash: `0x${string}` }> {
  const payload = Buffer.concat([
    Buffer.from(`neuroledger test variant ${tag}`),
    padding > 0 ? randomBytes(padding) : Buffer.alloc(0),
  ]);
  // key = (1000 << 3) | 2 as a varint, then the length, then the bytes.
  const field = Buffer.concat([varint((1000 << 3) | 2), varint(payload.length), payload]);
  const seed = BigInt(`0x${createHash("sha256").update(tag).digest("hex").slice(0, 10)}`) | 1n;
  const network = perturbWeights(new Uint8Array(await readFile(join(base, "model.onnx"))), seed);
  const bytes = Buffer.concat([network, field]);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const card = JSON.parse(await readFile(join(base, "card.json"), "utf8"));
  card.onnx.sha256 = sha256;
  card.version = `0.0.${Number.parseInt(sha256.slice(0, 6), 16)}`;
  if (metrics.f1 !== undefined) card.metrics.test.f1 = metrics.f1;
  if (metrics.accuracy !== undefined) card.metrics.test.accuracy = metrics.accuracy;
  const dir = join(outDir, tag);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "model.onnx"), bytes);
  await writeFile(join(dir, "card.json"), JSON.stringify(card, null, 2));
  return {
    modelPath: join(dir, "model.onnx"),
    cardPath: join(dir, "card.json"),
    sha256,
    weightsHash: weightsHash(bytes),
  };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
