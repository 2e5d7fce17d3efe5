import {
  type Classification,
  type ClassificationCard,
  type Heatmap,
  interpretOutputs,
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
  width: number;
  height: number;
  /** Decode + preprocessing + inference + heatmap, in ms. */
  elapsedMs: number;
  timings: StageTimings;
}

/**
 * The image at preview size with the heatmap over it. The SDK colours the heatmap (transparent
 * where activation is low); the canvas scales it up bilinearly onto the heatmap's region (card v2:
 * the square around the head, which may reach past the image) and blends it, which is what the
 * SDK's `overlayHeatmap` computes per pixel, at a fraction of the cost.
 */
function overlayOf(bitmap: ImageBitmap, heatmap: Heatmap): ImageData {
  const scale = Math.min(1, PREVIEW_MAX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const context = new OffscreenCanvas(width, height).getContext("2d");
  if (!context) throw new Error("This browser cannot draw to a canvas.");
  context.drawImage(bitmap, 0, 0, width, height);
  drawHeatmap(context, heatmap, bitmap, {
    x: width / bitmap.width,
    y: height / bitmap.height,
  });
  return context.getImageData(0, 0, width, height);
}

/**
 * One file in, the model's answer and its heatmap out; nothing leaves the page. The SDK's
 * stages (preprocess, run, interpret) are called one by one so each can be timed.
 */
export async function classifyFile(
  runtime: OnnxRuntimeLike,
  card: ClassificationCard,
  file: Blob & { name?: string },
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
    const classification = interpretOutputs(outputs, card, {
      region,
      image: { width: pixels.width, height: pixels.height },
    });
    const overlay = overlayOf(bitmap, classification.heatmap);
    const t4 = performance.now();
    return {
      classification,
      overlay,
      width: pixels.width,
      height: pixels.height,
      elapsedMs: t4 - t0,
      timings: { decode: t1 - t0, preprocess: t2 - t1, inference: t3 - t2, heatmap: t4 - t3 },
    };
  } finally {
    bitmap.close();
  }
}
