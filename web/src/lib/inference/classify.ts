import {
  type Classification,
  type ClassificationCard,
  type ClassificationOptions,
  type Heatmap,
  type InputPlacement,
  interpretOutputs,
  type ModelOutputs,
  type OnnxRuntimeLike,
  prepareInput,
  runModel,
} from "@neuroledger/sdk/inference";
import { decodeImageFile } from "./decode.ts";
import { drawHeatmap } from "./heatmapCanvas.ts";

/** Longest side of the preview that carries the heatmap overlay. */
const PREVIEW_MAX = 320;

export interface StageTimings {
  decode: number;
  preprocess: number;
  inference: number;
  heatmap: number;
}

export interface ImageResult {
  classification: Classification;
  /** The image with its heatmap blended in, at preview size. */
  overlay: ImageData;
  /** The image alone at preview size, and the model's outputs: another class's heatmap is drawn from them without running the model again. */
  preview: ImageData;
  outputs: ModelOutputs;
  placement: InputPlacement;
  width: number;
  height: number;
  /** Decode + preprocessing + inference + heatmap, in ms. */
  elapsedMs: number;
  timings: StageTimings;
}

function canvasOf(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const context = new OffscreenCanvas(width, height).getContext("2d");
  if (!context) throw new Error("This browser cannot draw to a canvas.");
  return context;
}

/** The image at preview size (longest side at most `PREVIEW_MAX`), without a heatmap. */
function previewOf(bitmap: ImageBitmap): ImageData {
  const scale = Math.min(1, PREVIEW_MAX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvasOf(width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/**
 * The preview with the heatmap over it. The SDK colours the heatmap (transparent where
 * activation is low); the canvas scales it up bilinearly onto the heatmap's region (card v2: the
 * square around the head, which may reach past the image) and blends it, which is what the SDK's
 * `overlayHeatmap` computes per pixel, at a fraction of the cost.
 */
function overlayOf(
  preview: ImageData,
  heatmap: Heatmap,
  image: { width: number; height: number },
): ImageData {
  const context = canvasOf(preview.width, preview.height);
  context.putImageData(preview, 0, 0);
  drawHeatmap(context, heatmap, image, {
    x: preview.width / image.width,
    y: preview.height / image.height,
  });
  return context.getImageData(0, 0, preview.width, preview.height);
}

/**
 * One file in, the model's answer and its heatmap out; nothing leaves the page. The SDK's
 * stages (preprocess, run, interpret) are called one by one so each can be timed.
 */
export async function classifyFile(
  runtime: OnnxRuntimeLike,
  card: ClassificationCard,
  file: Blob & { name?: string },
  options: ClassificationOptions = {},
): Promise<ImageResult> {
  const t0 = performance.now();
  const { pixels, bitmap } = await decodeImageFile(file);
  try {
    const t1 = performance.now();
    const { input, region } = prepareInput(pixels, card.preprocessing);
    const t2 = performance.now();
    const { height, width } = card.preprocessing.resize;
    const outputs = await runModel(runtime, input, [1, 3, height, width]);
    const t3 = performance.now();
    const placement = { region, image: { width: pixels.width, height: pixels.height } };
    const classification = interpretOutputs(outputs, card, placement, options);
    const preview = previewOf(bitmap);
    const overlay = overlayOf(preview, classification.heatmap, placement.image);
    const t4 = performance.now();
    return {
      classification,
      overlay,
      preview,
      outputs,
      placement,
      width: pixels.width,
      height: pixels.height,
      elapsedMs: t4 - t0,
      timings: { decode: t1 - t0, preprocess: t2 - t1, inference: t3 - t2, heatmap: t4 - t3 },
    };
  } finally {
    bitmap.close();
  }
}

/**
 * The same result with the heatmap of another class (`heatmapLabel`; undefined: the SDK's default,
 * the positive label of a binary card, else the predicted label), from the outputs the model
 * already gave: nothing runs again and the probabilities do not change.
 * @throws InvalidInputError (from the SDK) naming the labels when `heatmapLabel` is not one.
 */
export function withHeatmapOf(
  result: ImageResult,
  card: ClassificationCard,
  heatmapLabel: string | undefined,
): ImageResult {
  const classification = interpretOutputs(result.outputs, card, result.placement, {
    heatmapLabel,
  });
  const overlay = overlayOf(result.preview, classification.heatmap, result.placement.image);
  return { ...result, classification, overlay };
}
