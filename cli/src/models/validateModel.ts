import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { type ModelCard, parseModelCard, weightsHash } from "@neuroledger/sdk/card";
import { createNodeRuntime } from "@neuroledger/sdk/node";
import type { Hex } from "viem";
import { InvalidInputError } from "../errors.ts";

/**
 * Reads and checks the model and its card before anything touches IPFS or the chain; returns the
 * file's sha256 and its weights hash (sdk `weightsHash`: the network, names and metadata ignored).
 */
export async function validateModel(
  modelPath: string,
  cardPath: string,
): Promise<{ card: ModelCard; sha256: Hex; weightsHash: Hex; size: number }> {
  let cardText: string;
  try {
    cardText = await readFile(cardPath, "utf8");
  } catch (err) {
    throw new InvalidInputError(`cannot read the card ${cardPath}: ${(err as Error).message}`);
  }
  let card: ModelCard;
  try {
    card = parseModelCard(cardText);
  } catch (err) {
    throw new InvalidInputError(
      `the card ${cardPath} is not a valid model card: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let size: number;
  try {
    size = (await stat(modelPath)).size;
  } catch (err) {
    throw new InvalidInputError(`cannot read the model ${modelPath}: ${(err as Error).message}`);
  }
  let outputNames: readonly string[];
  try {
    // Loading it in onnxruntime proves it parses and has the interface's input and outputs.
    outputNames = (await createNodeRuntime(modelPath)).session.outputNames;
  } catch (err) {
    throw new InvalidInputError(
      `${modelPath} is not a usable ONNX model: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  // The card's outputs (v2: the `cam` the heatmap needs) must be the model's, or readers would
  // silently fall back to another heatmap than the card promises.
  const missing = card.onnx.outputs.map((o) => o.name).filter((n) => !outputNames.includes(n));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `the card lists outputs the model lacks: ${missing.join(", ")} (the model has ${outputNames.join(", ")})`,
    );
  }
  const sha256 = await sha256File(modelPath);
  if (sha256.slice(2) !== card.onnx.sha256) {
    throw new InvalidInputError(
      `the model's sha256 ${sha256.slice(2)} differs from the card's onnx.sha256 ${card.onnx.sha256}`,
      {
        hints: [
          "Publish the model.onnx the card was written for (training/ writes both together).",
        ],
      },
    );
  }
  return { card, sha256, weightsHash: await weightsHashOfFile(modelPath), size };
}

/** {@link weightsHash} of an ONNX file; a file it cannot read as weights is invalid input. */
export async function weightsHashOfFile(modelPath: string): Promise<Hex> {
  try {
    return weightsHash(await readFile(modelPath));
  } catch (err) {
    throw new InvalidInputError(
      `${modelPath}: ${(err as Error & { shortMessage?: string }).shortMessage ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

export async function sha256File(path: string): Promise<Hex> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `0x${hash.digest("hex")}`;
}
