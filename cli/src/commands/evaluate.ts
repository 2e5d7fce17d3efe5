import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { classifyImage } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile } from "@neuroledger/sdk/node";
import { InvalidInputError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { type BinaryMetrics, binaryMetrics } from "../models/metrics.ts";
import type { ResolvedModel } from "../models/resolveModel.ts";

export interface EvaluateParameters {
  model: ResolvedModel;
  /** `<data>/<class>/<image files>`; class folders must equal the card's labels. */
  dataDir: string;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

/** The JSON `training evaluate --json` prints, key for key. */
export type EvaluateResult = BinaryMetrics & { unreadable: number; labels: string[] };

/**
 * `neuroledger evaluate`: runs the ONNX model over every image of a labelled folder with the SDK's
 * preprocessing on onnxruntime-node and reports the same metrics as `training evaluate`
 * (unreadable files are counted and skipped, as there).
 */
export async function evaluate(params: EvaluateParameters): Promise<EvaluateResult> {
  const log = params.log ?? silentLogger;
  const { card, modelPath } = params.model;
  const labels = await classFolders(params.dataDir);
  if (JSON.stringify(labels) !== JSON.stringify(card.labels)) {
    throw new InvalidInputError(
      `class folders ${JSON.stringify(labels)} in ${params.dataDir} do not match the model's labels ${JSON.stringify(card.labels)}`,
    );
  }
  const samples: { path: string; label: number }[] = [];
  for (const [label, name] of labels.entries()) {
    const files = (await readdir(join(params.dataDir, name), { withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.startsWith("."))
      .map((f) => f.name)
      .sort();
    if (files.length === 0)
      throw new InvalidInputError(`class folder ${name} in ${params.dataDir} has no files`);
    for (const f of files) samples.push({ path: join(params.dataDir, name, f), label });
  }
  const runtime = await createNodeRuntime(modelPath);
  const yTrue: number[] = [];
  const probs: number[] = [];
  let unreadable = 0;
  for (const [i, sample] of samples.entries()) {
    let image: Awaited<ReturnType<typeof readImageFile>>;
    try {
      image = await readImageFile(sample.path);
    } catch (err) {
      unreadable++;
      log.warn("unreadable image skipped", { file: sample.path, error: (err as Error).name });
      continue;
    }
    const result = await classifyImage(runtime, image, card);
    yTrue.push(sample.label);
    probs.push(result.probability);
    params.onProgress?.(i + 1, samples.length);
  }
  return { ...binaryMetrics(yTrue, probs), unreadable, labels };
}

async function classFolders(dataDir: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dataDir, { withFileTypes: true });
  } catch {
    throw new InvalidInputError(`data folder not found: ${dataDir}`);
  }
  const labels = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  if (labels.length < 2) {
    throw new InvalidInputError(
      `${dataDir} needs at least two class folders (<data>/<class>/<image files>)`,
    );
  }
  return labels;
}
