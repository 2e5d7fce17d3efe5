/**
 * Reads the training package's test vectors (docs/interfaces.md section 3) and checks the SDK
 * against them: preprocessing of the PNG vs the .f32 input, and logits through onnxruntime-node.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseModelCard } from "../../card/parseModelCard.ts";
import type { ModelCard } from "../../card/schema.ts";
import { sha256Hex } from "../../crypto/sha256Stream.ts";
import { classifyImage } from "../../inference/classify.ts";
import { preprocessImage } from "../../inference/preprocess.ts";
import { runModel } from "../../inference/runtime.ts";
import { readImageFile } from "../files.ts";
import { createNodeRuntime } from "../onnxRuntime.ts";

export type VectorItem = {
  image: string;
  input: string;
  logits: number[];
  probability: number;
  featuresShape: number[];
  featuresSum: number;
};

export type VectorFile = {
  schema: "neuroledger.test-vectors/1";
  model: string;
  items: VectorItem[];
};

/** Every `<models>/<name>/vectors/vectors.json` that exists. */
export function findVectorSets(
  modelsDir: string,
): { name: string; modelDir: string; vectorsDir: string }[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir)
    .sort()
    .map((name) => ({
      name,
      modelDir: join(modelsDir, name),
      vectorsDir: join(modelsDir, name, "vectors"),
    }))
    .filter(({ vectorsDir }) => existsSync(join(vectorsDir, "vectors.json")));
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

export type ItemReport = {
  image: string;
  /** TS preprocessing vs the .f32 (PNG items only; undefined for JPEG). */
  inputDiff: number | undefined;
  /** Logits from the .f32 input vs the vector. */
  logitsFromInputDiff: number;
  /** Logits from the TS-preprocessed image vs the vector (PNG items only). */
  logitsFromImageDiff: number | undefined;
  probabilityDiff: number;
  featuresShape: readonly number[];
  expectedFeaturesShape: readonly number[];
  featuresSumRelDiff: number;
};

export type ModelReport = {
  name: string;
  card: ModelCard;
  onnxSha256: string;
  items: ItemReport[];
};

export async function checkVectorSet(set: {
  name: string;
  modelDir: string;
  vectorsDir: string;
}): Promise<ModelReport> {
  const vectors = JSON.parse(
    await readFile(join(set.vectorsDir, "vectors.json"), "utf8"),
  ) as VectorFile;
  if (vectors.schema !== "neuroledger.test-vectors/1")
    throw new Error(`${set.name}: unknown vectors schema ${vectors.schema}`);
  if (!Array.isArray(vectors.items) || vectors.items.length === 0)
    throw new Error(`${set.name}: vectors.json has no items`);
  const card = parseModelCard(await readFile(join(set.modelDir, "card.json"), "utf8"));
  const modelPath = [join(set.vectorsDir, vectors.model), join(set.modelDir, vectors.model)].find(
    (p) => existsSync(p),
  );
  if (!modelPath) throw new Error(`${set.name}: model file ${vectors.model} not found`);
  const modelBytes = await readFile(modelPath);
  const runtime = await createNodeRuntime(modelBytes, { threads: 2 });
  const { width, height } = card.preprocessing.resize;
  const dims = [1, 3, height, width];
  const items: ItemReport[] = [];
  for (const item of vectors.items) {
    const f32 = await readFile(join(set.vectorsDir, item.input));
    const expectedInput = new Float32Array(
      f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength),
    );
    if (expectedInput.length !== 3 * width * height)
      throw new Error(
        `${set.name}/${item.input}: ${expectedInput.length} floats, expected ${3 * width * height}`,
      );
    const fromInput = await runModel(runtime, expectedInput, dims);
    const isPng = item.image.toLowerCase().endsWith(".png");
    let inputDiff: number | undefined;
    let logitsFromImageDiff: number | undefined;
    const image = await readImageFile(join(set.vectorsDir, item.image));
    if (isPng) {
      inputDiff = maxAbsDiff(preprocessImage(image, card.preprocessing), expectedInput);
      const classified = await classifyImage(runtime, image, card);
      logitsFromImageDiff = maxAbsDiff(classified.logits, item.logits);
    }
    let sum = 0;
    for (const v of fromInput.features.data) sum += v;
    items.push({
      image: item.image,
      inputDiff,
      logitsFromInputDiff: maxAbsDiff(fromInput.logits, item.logits),
      logitsFromImageDiff,
      probabilityDiff: Math.abs(
        (await classifyImage(runtime, image, card)).probability - item.probability,
      ),
      featuresShape: fromInput.features.dims,
      expectedFeaturesShape: item.featuresShape,
      featuresSumRelDiff:
        Math.abs(sum - item.featuresSum) / Math.max(1, Math.abs(item.featuresSum)),
    });
  }
  return { name: set.name, card, onnxSha256: sha256Hex(modelBytes).slice(2), items };
}
