import {
  type Classification,
  type ClassificationCard,
  classifyImage,
  type OnnxRuntimeLike,
  overlayHeatmap,
} from "@neuroledger/sdk/inference";
import { decodeImageFile } from "./decode.ts";

/** Longest side of the preview that carries the heatmap overlay. */
const PREVIEW_MAX = 320;

export interface ImageResult {
  classification: Classification;
  /** The image with its heatmap blended in, at preview size. */
  overlay: ImageData;
  /** The image alone at the same size. */
  preview: ImageData;
  width: number;
  height: number;
  /** Decode + preprocessing + inference + heatmap, in ms. */
  elapsedMs: number;
}

function previewOf(bitmap: ImageBitmap): ImageData {
  const scale = Math.min(1, PREVIEW_MAX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const context = new OffscreenCanvas(width, height).getContext("2d");
  if (!context) throw new Error("This browser cannot draw to a canvas.");
  context.drawImage(bitmap, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/** One file in, the model's answer and its heatmap out; nothing leaves the page. */
export async function classifyFile(
  runtime: OnnxRuntimeLike,
  card: ClassificationCard,
  file: Blob & { name?: string },
): Promise<ImageResult> {
  const started = performance.now();
  const { pixels, bitmap } = await decodeImageFile(file);
  try {
    const classification = await classifyImage(runtime, pixels, card);
    const preview = previewOf(bitmap);
    const blended = overlayHeatmap(preview, classification.heatmap);
    const overlay = new ImageData(
      new Uint8ClampedArray(blended.data),
      blended.width,
      blended.height,
    );
    return {
      classification,
      overlay,
      preview,
      width: pixels.width,
      height: pixels.height,
      elapsedMs: performance.now() - started,
    };
  } finally {
    bitmap.close();
  }
}
