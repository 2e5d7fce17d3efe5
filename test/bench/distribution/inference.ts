// Latency of preprocessing + inference + heatmap (rendered over the image) on onnxruntime-node.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseModelCard } from "@neuroledger/sdk/card";
import { classifyImage, overlayHeatmap } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile } from "@neuroledger/sdk/node";

export interface InferenceRow {
  model: string;
  image: string;
  imageSize: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function benchInference(
  modelDir: string,
  runs: number,
  warmup = 5,
): Promise<InferenceRow> {
  const card = parseModelCard(await readFile(join(modelDir, "card.json"), "utf8"));
  const runtime = await createNodeRuntime(join(modelDir, "model.onnx"));
  const imagePath = join(modelDir, "vectors", "v0.png");
  const image = await readImageFile(imagePath);
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const result = await classifyImage(runtime, image, card);
    const picture = overlayHeatmap(image, result.heatmap);
    const ms = performance.now() - t0;
    if (picture.width !== image.width || !(result.probability >= 0 && result.probability <= 1)) {
      throw new Error("inference produced an invalid result");
    }
    if (i >= warmup) times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    model: modelDir.split(/[\\/]/).slice(-2).join("/"),
    image: "vectors/v0.png",
    imageSize: `${image.width}x${image.height}`,
    runs,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
  };
}
