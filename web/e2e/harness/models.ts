import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../../..");

/**
 * The model the browser tests run: the directory named by NEUROLEDGER_E2E_MODEL_DIR, else the
 * committed demo model (training/models/demo), else the smoke model. Throws (never skips) when
 * none is there.
 */
const candidates = () =>
  process.env.NEUROLEDGER_E2E_MODEL_DIR
    ? [process.env.NEUROLEDGER_E2E_MODEL_DIR]
    : ["training/models/demo", "training/models/smoke"].map((d) => join(repoRoot, d));

export function demoModel() {
  const dirs = candidates();
  return modelAt(dirs.find((d) => existsSync(join(d, "model.onnx"))) ?? (dirs[0] as string));
}

/** The first of those models that ships test vectors (for parity checks against PyTorch). */
export function vectorModel() {
  const dirs = candidates();
  return modelAt(
    dirs.find((d) => existsSync(join(d, "vectors/vectors.json"))) ?? (dirs[0] as string),
  );
}

/**
 * A card v2 model with v2 vectors (region, peak, OOD score): the demo model once it is v2, else
 * the smoke model. Throws when neither is.
 */
export function v2Model() {
  const dirs = process.env.NEUROLEDGER_E2E_MODEL_DIR
    ? [process.env.NEUROLEDGER_E2E_MODEL_DIR]
    : ["training/models/demo", "training/models/smoke"].map((d) => join(repoRoot, d));
  const isV2 = (d: string) =>
    existsSync(join(d, "card.json")) &&
    existsSync(join(d, "vectors/vectors.json")) &&
    JSON.parse(readFileSync(join(d, "card.json"), "utf8")).schema === "neuroledger.model-card/2";
  const dir = dirs.find(isV2);
  if (!dir) throw new Error(`No card v2 model with vectors among ${dirs.join(", ")}.`);
  const model = modelAt(dir);
  const card = JSON.parse(readFileSync(model.card, "utf8")) as {
    ood: { threshold: number };
    preprocessing: { resize: { width: number } };
  };
  return {
    ...model,
    card: model.card,
    oodThreshold: card.ood.threshold,
    inputSize: card.preprocessing.resize.width,
  };
}

/** A v2 vector item (docs/interfaces.md section 3). */
export type V2VectorItem = {
  image: string;
  probability: number;
  region: { left: number; top: number; size: number };
  peak: [number, number];
  oodScore: number;
  path: string;
};

function modelAt(dir: string) {
  const onnx = join(dir, "model.onnx");
  const card = join(dir, "card.json");
  if (!existsSync(onnx) || !existsSync(card)) {
    throw new Error(
      `No demo model at ${dir} (model.onnx + card.json): run the training package first.`,
    );
  }
  const samplesDir = join(dir, "samples");
  const samples = existsSync(samplesDir)
    ? readdirSync(samplesDir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()
        .map((f) => join(samplesDir, f))
    : [];
  const vectorsFile = join(dir, "vectors/vectors.json");
  const vectors = existsSync(vectorsFile)
    ? (
        JSON.parse(readFileSync(vectorsFile, "utf8")) as {
          items: { image: string; logits: [number, number]; probability: number }[];
        }
      ).items.map((item) => ({ ...item, path: join(dir, "vectors", item.image) }))
    : [];
  return { dir, onnx, card, samples, vectors };
}

export const artifactsDir = join(repoRoot, "test/artifacts/web");
