import { writeFile } from "node:fs/promises";
import { MIN_IMAGE_SIDE } from "@neuroledger/sdk/dicom";
import {
  type Classification,
  classifyImage,
  formatOodFigure,
  type ImagePoint,
  MODEL_OUTPUT_CAM,
  type OodResult,
  overlayHeatmap,
} from "@neuroledger/sdk/inference";
import { createNodeRuntime, encodePng, readImageFile } from "@neuroledger/sdk/node";
import { InvalidInputError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface ClassifyParameters {
  model: ResolvedModel;
  imagePath: string;
  /** Writes the image with the heatmap blended over it (placed through the region) as a PNG. */
  heatmapOut?: string;
  /**
   * The label whose heatmap (and peak) to give (`--heatmap-class`); default: the card's positive
   * label, or the predicted label for a card without one. Card v2 models only (they export `cam`).
   */
  heatmapLabel?: string;
  log?: Logger;
}

export interface ClassifyResult {
  image: string;
  label: string;
  /**
   * Tumor probability: softmax(logits)[positive label]; for a card without a positive label (the
   * type task), the predicted label's.
   */
  probability: number;
  /** Every label's probability, in the card's label order. */
  probabilities: Record<string, number>;
  logits: number[];
  /** "cam" (class activation map of `heatmapLabel`) or "feature-mean" (card v1 models). */
  heatmapMethod: Classification["heatmapMethod"];
  heatmapLabel: string | null;
  /** The heatmap's maximum, pixels of the original image, origin top left. */
  peak: ImagePoint;
  /** Out-of-distribution score against the card's threshold; null for cards without `ood` (v1). */
  ood: OodResult | null;
  /** Present when the image is out of distribution: the result may not be trustworthy. */
  warning?: string;
  heatmap?: string;
}

/** The warning shown when an image's OOD score is above the card's threshold. */
export function oodWarning(ood: OodResult): string {
  return `out of distribution: this image is unlike the data the model was trained on (OOD score ${formatOodFigure(ood.score)} > threshold ${formatOodFigure(ood.threshold)}); do not trust the result`;
}

/**
 * `neuroledger classify`: one image through the SDK's preprocessing, the model, and the heatmap
 * (of `heatmapLabel`, or the default label).
 * @throws InvalidInputError for a `heatmapLabel` that is not one of the card's labels (the error
 *   names them) or a model without a class activation map, before the model is loaded.
 */
export async function classify(params: ClassifyParameters): Promise<ClassifyResult> {
  const log = params.log ?? silentLogger;
  if (params.heatmapLabel !== undefined) checkHeatmapLabel(params.model.card, params.heatmapLabel);
  const runtime = await createNodeRuntime(params.model.modelPath);
  // Too small to carry a diagnosis: refused, not classified (docs/interfaces.md section 2.0).
  const image = await readImageFile(params.imagePath, { minSide: MIN_IMAGE_SIDE });
  const result: Classification = await classifyImage(
    runtime,
    image,
    params.model.card,
    params.heatmapLabel === undefined ? {} : { heatmapLabel: params.heatmapLabel },
  );
  if (params.heatmapOut) {
    await writeFile(params.heatmapOut, encodePng(overlayHeatmap(image, result.heatmap)));
  }
  const warning = result.ood?.outOfDistribution ? oodWarning(result.ood) : undefined;
  if (warning) log.warn(warning, { image: params.imagePath });
  return {
    image: params.imagePath,
    label: result.label,
    probability: result.probability,
    probabilities: result.probabilities,
    logits: result.logits,
    heatmapMethod: result.heatmapMethod,
    heatmapLabel: result.heatmapLabel,
    peak: result.peak,
    ood: result.ood,
    ...(warning ? { warning } : {}),
    ...(params.heatmapOut ? { heatmap: params.heatmapOut } : {}),
  };
}

/** A heatmap class must be a label of the card, and the model must export per-class maps. */
function checkHeatmapLabel(card: ResolvedModel["card"], label: string): void {
  if (!card.labels.includes(label)) {
    throw new InvalidInputError(
      `--heatmap-class "${label}" is not one of the model's labels: ${card.labels.join(", ")}`,
    );
  }
  if (!card.onnx.outputs.some((output) => output.name === MODEL_OUTPUT_CAM)) {
    throw new InvalidInputError(
      `--heatmap-class needs a model with per-class heatmaps (a "${MODEL_OUTPUT_CAM}" output, card v2); ${card.name} ${card.version} has one class-agnostic heatmap`,
    );
  }
}
