// The checks `publish` runs on a model and its card before anything touches IPFS or the chain.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { validateModel } from "../src/models/validateModel.ts";
import { REPO_ROOT } from "./helpers/models.ts";
import { tempDir } from "./helpers/nodeProcess.ts";

const SMOKE = join(REPO_ROOT, "training", "models", "smoke");

describe("validateModel", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir("validate");
  });
  after(async () => {
    await dir?.remove();
  });

  test("accepts the v2 smoke model with its card", async () => {
    const { card, sha256 } = await validateModel(
      join(SMOKE, "model.onnx"),
      join(SMOKE, "card.json"),
    );
    assert.equal(card.schema, "neuroledger.model-card/2");
    assert.equal(sha256.slice(2), card.onnx.sha256);
  });

  test("refuses a card that lists an output the model does not have", async () => {
    const card = JSON.parse(await readFile(join(SMOKE, "card.json"), "utf8"));
    card.onnx.outputs = [
      ...card.onnx.outputs,
      { name: "saliency", dtype: "float32", shape: ["batch", 1] },
    ];
    const path = join(dir.path, "card.json");
    await writeFile(path, JSON.stringify(card));
    await assert.rejects(
      validateModel(join(SMOKE, "model.onnx"), path),
      /the card lists outputs the model lacks: saliency/,
    );
  });
});
