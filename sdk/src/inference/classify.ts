import type { ModelCard } from "../card/schema.ts";
import { ModelOutputError } from "../errors.ts";
import { type Heatmap, heatmapFromFeatures } from "./heatmap.ts";
import { type PreprocessingSpec, preprocessImage } from "./preprocess.ts";
import type { RawImage } from "./rawImage.ts";
import { type OnnxRuntimeLike, runModel } from "./runtime.ts";

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export type ClassificationCard = Pick<ModelCard, "labels" | "positiveLabel"> & {
  preprocessing: PreprocessingSpec;
};

export type Classification = {
  /** The most probable label. */
  label: string;
  /** Probability of the card's positive label ("yes": tumor) = softmax(logits)[index of positiveLabel]. */
  probability: number;
  /** Probability per label. */
  probabilities: Record<string, number>;
  logits: number[];
  /** Feature-map heatmap at the feature map's size (16 x 16); use resizeHeatmap / overlayHeatmap to show it. */
  heatmap: Heatmap;
};

/** Turns the model's outputs into a {@link Classification} (labels in logit order). */
export function interpretOutputs(
  logits: Float32Array,
  features: { data: Float32Array; dims: readonly number[] },
  card: Pick<ModelCard, "labels" | "positiveLabel">,
): Classification {
  if (logits.length !== card.labels.length) {
    throw new ModelOutputError(
      `The model gives ${logits.length} logits for ${card.labels.length} labels.`,
    );
  }
  const probs = softmax(logits);
  const positive = card.labels.indexOf(card.positiveLabel);
  let best = 0;
  for (let i = 1; i < probs.length; i++)
    if ((probs[i] as number) > (probs[best] as number)) best = i;
  return {
    label: card.labels[best] as string,
    probability: probs[positive] as number,
    probabilities: Object.fromEntries(card.labels.map((label, i) => [label, probs[i] as number])),
    logits: Array.from(logits),
    heatmap: heatmapFromFeatures(features.data, features.dims),
  };
}

/**
 * Preprocesses an image, runs the model and returns label, tumor probability and heatmap.
 *
 * @example
 * const result = await classifyImage({ session, Tensor: ort.Tensor }, imageData, card);
 * const picture = overlayHeatmap(imageData, result.heatmap);
 */
export async function classifyImage(
  runtime: OnnxRuntimeLike,
  image: RawImage,
  card: ClassificationCard,
): Promise<Classification> {
  const input = preprocessImage(image, card.preprocessing);
  const { height, width } = card.preprocessing.resize;
  const { logits, features } = await runModel(runtime, input, [1, 3, height, width]);
  return interpretOutputs(logits, features, card);
}
