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
