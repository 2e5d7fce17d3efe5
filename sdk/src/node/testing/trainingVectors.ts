/**
 * Reads the training package's test vectors (docs/interfaces.md section 3) and checks the SDK
 * against them: preprocessing of the PNG vs the .f32 input, and logits through onnxruntime-node;
 * for card v2 models also the region, the class activation map, the heatmap's peak and the OOD
 * score.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseModelCard } from "../../card/parseModelCard.ts";
import type { ModelCard } from "../../card/schema.ts";
import { sha256Hex } from "../../crypto/sha256Stream.ts";
import { classifyImage } from "../../inference/classify.ts";
import type { Region } from "../../inference/headCrop.ts";
import { oodScore } from "../../inference/ood.ts";
import { prepareInput } from "../../inference/preprocess.ts";
import { runModel } from "../../inference/runtime.ts";
import { readImageFile } from "../files.ts";
import { createNodeRuntime } from "../onnxRuntime.ts";

export type VectorItem = {
  image: string;
  input: string;
  logits: number[];
  /** Binary models: the positive label's probability. */
  probability?: number;
  /** Models without a positive label (K > 2): every label's probability, in label order. */
  probabilities?: number[];
  /** Models without a positive label: the predicted label (its heatmap gives `peak`). */
  predicted?: string;
  featuresShape: number[];
  featuresSum: number;
  /** Card v2 models. */
  region?: { left: number; top: number; size: number };
  camSum?: number[];
  peak?: [number, number];
  oodScore?: number;
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
  /** The positive label's probability, or (K > 2) the max |diff| over every label's. */
  probabilityDiff: number;
  /** K > 2: the predicted label of the TS pipeline and of the vector. */
  predicted?: { actual: string; expected: string | undefined };
  featuresShape: readonly number[];
  expectedFeaturesShape: readonly number[];
  featuresSumRelDiff: number;
  /** Card v2 models (undefined otherwise); region and peak on PNG items only. */
  v2?: {
    region?: { actual: Region; expected: { left: number; top: number; size: number } };
    /** Max relative |diff| of the per-class cam sums (from the .f32 input). */
    camSumRelDiff: number;
    /** Peak of the TS pipeline vs the vector's: the larger axis distance in image pixels. */
    peakDistance?: number;
    /** Image pixels per input pixel (`size / S`): one input pixel apart is up to ceil(step) image pixels. */
    peakStep?: number;
    /** OOD score from the .f32 input, relative |diff|. */
    oodRelDiff: number;
  };
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
    const classified = await classifyImage(runtime, image, card);
    if (isPng) {
      inputDiff = maxAbsDiff(prepareInput(image, card.preprocessing).input, expectedInput);
      logitsFromImageDiff = maxAbsDiff(classified.logits, item.logits);
    }
    let sum = 0;
    for (const v of fromInput.features.data) sum += v;
    let v2: ItemReport["v2"];
    if (card.schema === "neuroledger.model-card/2") {
      const { region, camSum, peak, oodScore: expectedOod } = item;
      if (!region || !camSum || !peak || expectedOod === undefined)
        throw new Error(
          `${set.name}/${item.image}: a v2 vector needs region, camSum, peak, oodScore`,
        );
      if (!fromInput.cam) throw new Error(`${set.name}: the v2 model has no "cam" output`);
      const [, classes, h, w] = fromInput.cam.dims as [number, number, number, number];
      const sums = Array.from({ length: classes }, (_, k) => {
        let total = 0;
        for (let i = k * h * w; i < (k + 1) * h * w; i++) total += fromInput.cam?.data[i] as number;
        return total;
      });
      const camSumRelDiff = Math.max(
        ...sums.map(
          (v, k) =>
            Math.abs(v - (camSum[k] as number)) / Math.max(1, Math.abs(camSum[k] as number)),
        ),
      );
      const score = oodScore(fromInput.features.data, fromInput.features.dims, card.ood).score;
      const step = region.size / width;
      v2 = {
        camSumRelDiff: camSums(sums.length, camSum.length, camSumRelDiff),
        oodRelDiff: Math.abs(score - expectedOod) / Math.max(1e-12, Math.abs(expectedOod)),
        ...(isPng
          ? {
              region: { actual: classified.region, expected: region },
              peakDistance: Math.max(
                Math.abs(classified.peak.x - peak[0]),
                Math.abs(classified.peak.y - peak[1]),
              ),
              peakStep: step,
            }
          : {}),
      };
    }
    items.push({
      image: item.image,
      inputDiff,
      logitsFromInputDiff: maxAbsDiff(fromInput.logits, item.logits),
      logitsFromImageDiff,
      probabilityDiff: probabilityDiff(card, classified.probabilities, item),
      ...(card.positiveLabel === null
        ? { predicted: { actual: classified.label, expected: item.predicted } }
        : {}),
      featuresShape: fromInput.features.dims,
      expectedFeaturesShape: item.featuresShape,
      featuresSumRelDiff:
        Math.abs(sum - item.featuresSum) / Math.max(1, Math.abs(item.featuresSum)),
      ...(v2 ? { v2 } : {}),
    });
  }
  return { name: set.name, card, onnxSha256: sha256Hex(modelBytes).slice(2), items };
}

/**
 * Binary: |p - vector p| of the positive label. No positive label: the max |diff| over every
 * label's probability (infinite when the vector lacks them or has another count).
 */
function probabilityDiff(
  card: ModelCard,
  probabilities: Record<string, number>,
  item: VectorItem,
): number {
  if (card.positiveLabel !== null)
    return Math.abs((probabilities[card.positiveLabel] as number) - (item.probability as number));
  if (!item.probabilities) return Number.POSITIVE_INFINITY;
  return maxAbsDiff(
    card.labels.map((label) => probabilities[label] as number),
    item.probabilities,
  );
}

/** A class count mismatch is an infinite difference, not a silently shorter comparison. */
const camSums = (actual: number, expected: number, diff: number): number =>
  actual === expected ? diff : Number.POSITIVE_INFINITY;

/** A PNG item of a card v2 vector set with what the browser test needs to replay it. */
export type V2VectorCase = {
  set: string;
  card: ModelCard;
  item: VectorItem;
  image: Awaited<ReturnType<typeof readImageFile>>;
  expectedInput: Float32Array;
  /** The model's outputs for the vector's .f32 input, through onnxruntime-node. */
  outputs: Awaited<ReturnType<typeof runModel>>;
};

/** Every PNG item of every card v2 vector set under `modelsDir` (none while only v1 models exist). */
export async function v2VectorCases(modelsDir: string): Promise<V2VectorCase[]> {
  const cases: V2VectorCase[] = [];
  for (const set of findVectorSets(modelsDir)) {
    const card = parseModelCard(await readFile(join(set.modelDir, "card.json"), "utf8"));
    if (card.schema !== "neuroledger.model-card/2") continue;
    const vectors = JSON.parse(
      await readFile(join(set.vectorsDir, "vectors.json"), "utf8"),
    ) as VectorFile;
    const runtime = await createNodeRuntime(await readFile(join(set.modelDir, vectors.model)), {
      threads: 2,
    });
    const { width, height } = card.preprocessing.resize;
    for (const item of vectors.items) {
      if (!item.image.toLowerCase().endsWith(".png")) continue;
      const f32 = await readFile(join(set.vectorsDir, item.input));
      const expectedInput = new Float32Array(
        f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength),
      );
      cases.push({
        set: set.name,
        card,
        item,
        image: await readImageFile(join(set.vectorsDir, item.image)),
        expectedInput,
        outputs: await runModel(runtime, expectedInput, [1, 3, height, width]),
      });
    }
  }
  return cases;
}
