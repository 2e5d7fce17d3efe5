import { writeFile } from "node:fs/promises";
import { type Classification, classifyImage, overlayHeatmap } from "@neuroledger/sdk/inference";
import { createNodeRuntime, encodePng, readImageFile } from "@neuroledger/sdk/node";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface ClassifyParameters {
  model: ResolvedModel;
  imagePath: string;
  /** Writes the image with the heatmap blended over it as a PNG. */
  heatmapOut?: string;
}

export interface ClassifyResult {
  image: string;
  label: string;
  /** Tumor probability: softmax(logits)[positive label]. */
  probability: number;
  probabilities: Record<string, number>;
  logits: number[];
  heatmap?: string;
}

/** `neuroledger classify`: one image through the SDK's preprocessing, the model, and the heatmap. */
export async function classify(params: ClassifyParameters): Promise<ClassifyResult> {
  const runtime = await createNodeRuntime(params.model.modelPath);
  const image = await readImageFile(params.imagePath);
  const result: Classification = await classifyImage(runtime, image, params.model.card);
  if (params.heatmapOut) {
    await writeFile(params.heatmapOut, encodePng(overlayHeatmap(image, result.heatmap)));
  }
  return {
    image: params.imagePath,
    label: result.label,
    probability: result.probability,
    probabilities: result.probabilities,
    logits: result.logits,
    ...(params.heatmapOut ? { heatmap: params.heatmapOut } : {}),
  };
}
