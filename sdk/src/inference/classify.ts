import type { ModelCard } from "../card/schema.ts";
import { InvalidInputError, ModelOutputError } from "../errors.ts";
import { heatmapFromCam, heatmapPeak, type ImagePoint } from "./cam.ts";
import type { Region } from "./headCrop.ts";
import { type Heatmap, heatmapFromFeatures } from "./heatmap.ts";
import { type OodResult, type OodSpec, oodScore } from "./ood.ts";
import { type PreprocessingSpec, prepareInput } from "./preprocess.ts";
import type { RawImage } from "./rawImage.ts";
import { type ModelOutputs, type OnnxRuntimeLike, runModel } from "./runtime.ts";

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** What classification reads from the card: labels, preprocessing and (card v2) `ood`. */
export type ClassificationCard = Pick<ModelCard, "labels" | "positiveLabel"> & {
  preprocessing: PreprocessingSpec;
  ood?: OodSpec | null;
};

export type ClassificationOptions = {
  /**
   * The label whose heatmap (and peak) to compute (card v2 models with a `cam` output). Default:
   * the card's positive label, or the predicted label when the card has none (K > 2).
   */
  heatmapLabel?: string;
};

/** Where the model input came from: the image's size and the region the input covers. */
export type InputPlacement = {
  region: Region;
  image: { width: number; height: number };
};

export type Classification = {
  /** The most probable label. */
  label: string;
  /**
   * Probability of the card's positive label ("yes": tumor) = softmax(logits)[index of
   * positiveLabel]; for a card without a positive label (the type task), the predicted label's.
   */
  probability: number;
  /** Probability per label, in the card's label order (softmax of the logits). */
  probabilities: Record<string, number>;
  logits: number[];
  /**
   * The heatmap grid (the feature map's size, e.g. 16 x 16) in [0, 1], with the region of the
   * image it covers; `overlayHeatmap(image, heatmap)` lays it on the image.
   */
  heatmap: Heatmap;
  /**
   * "cam": class activation map of `heatmapLabel` (models with a `cam` output);
   * "feature-mean": the class-agnostic channel mean of `features` (card v1 models).
   */
  heatmapMethod: "cam" | "feature-mean";
  /** The class the heatmap is for; null for "feature-mean". */
  heatmapLabel: string | null;
  /** The part of the image the model input covers (image pixels). */
  region: Region;
  /** The heatmap's maximum in pixels of the original image (origin top left). */
  peak: ImagePoint;
  /** Out-of-distribution score and flag; null when the card carries no `ood` (card v1). */
  ood: OodResult | null;
};

/**
 * Turns the model's outputs into a {@link Classification} (labels in logit order): softmax, the
 * top label, the heatmap (class activation map when the model exports `cam`, else the feature
 * channel mean) placed on the image, its peak, and the OOD score when the card has `ood`.
 * Throws {@link ModelOutputError} when the outputs do not fit the card's labels, and
 * {@link InvalidInputError} for an unknown `heatmapLabel`.
 */
export function interpretOutputs(
  outputs: ModelOutputs,
  card: Pick<ClassificationCard, "labels" | "positiveLabel" | "ood" | "preprocessing">,
  placement: InputPlacement,
  options: ClassificationOptions = {},
): Classification {
  const { logits, features, cam } = outputs;
  if (logits.length !== card.labels.length) {
    throw new ModelOutputError(
      `The model gives ${logits.length} logits for ${card.labels.length} labels.`,
    );
  }
  const probs = softmax(logits);
  let best = 0;
  for (let i = 1; i < probs.length; i++)
    if ((probs[i] as number) > (probs[best] as number)) best = i;
  // Without a positive label (K > 2) "the" probability is the predicted label's.
  const positive = card.positiveLabel === null ? best : card.labels.indexOf(card.positiveLabel);
  const { region } = placement;
  let heatmap: Heatmap;
  let heatmapLabel: string | null = null;
  if (cam) {
    heatmapLabel = options.heatmapLabel ?? card.positiveLabel ?? (card.labels[best] as string);
    const index = card.labels.indexOf(heatmapLabel);
    if (index < 0) {
      throw new InvalidInputError(
        `No label "${heatmapLabel}" to draw a heatmap for; the model's labels are ${card.labels.join(", ")}.`,
      );
    }
    heatmap = heatmapFromCam(cam.data, cam.dims, index, region);
  } else {
    heatmap = heatmapFromFeatures(features.data, features.dims, region);
  }
  return {
    label: card.labels[best] as string,
    probability: probs[positive] as number,
    probabilities: Object.fromEntries(card.labels.map((label, i) => [label, probs[i] as number])),
    logits: Array.from(logits),
    heatmap,
    heatmapMethod: cam ? "cam" : "feature-mean",
    heatmapLabel,
    region,
    peak: heatmapPeak(heatmap, region, card.preprocessing.resize, placement.image),
    ood: card.ood ? oodScore(features.data, features.dims, card.ood) : null,
  };
}

/**
 * Preprocesses an image (as the card's preprocessing version says), runs the model and returns
 * label, tumor probability, the heatmap placed on the image, its peak and the OOD score.
 *
 * @example
 * const result = await classifyImage({ session, Tensor: ort.Tensor }, imageData, card);
 * if (result.ood?.outOfDistribution) console.warn(`unlike the training data (${result.ood.score})`);
 * const picture = overlayHeatmap(imageData, result.heatmap);
 */
export async function classifyImage(
  runtime: OnnxRuntimeLike,
  image: RawImage,
  card: ClassificationCard,
  options: ClassificationOptions = {},
): Promise<Classification> {
  const { input, region } = prepareInput(image, card.preprocessing);
  const { height, width } = card.preprocessing.resize;
  const outputs = await runModel(runtime, input, [1, 3, height, width]);
  return interpretOutputs(
    outputs,
    card,
    { region, image: { width: image.width, height: image.height } },
    options,
  );
}
