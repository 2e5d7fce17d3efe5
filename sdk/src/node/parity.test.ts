import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { checkVectorSet, findVectorSets } from "./testing/trainingVectors.ts";

const modelsDir = fileURLToPath(new URL("../../../training/models/", import.meta.url));
const sets = findVectorSets(modelsDir);

describe("parity with the training test vectors (training/models/*/vectors)", () => {
  it("finds at least one vector set", () => {
    assert.ok(
      sets.length > 0,
      `no vectors.json under ${modelsDir}*/vectors/: the training package must commit at least the smoke model`,
    );
  });

  for (const set of sets) {
    it(`${set.name}: preprocessing, logits, probability and features match`, async () => {
      const report = await checkVectorSet(set);
      assert.equal(
        report.onnxSha256,
        report.card.onnx.sha256,
        "model.onnx does not match the card's sha256",
      );
      const pngItems = report.items.filter((item) => item.inputDiff !== undefined);
      assert.ok(pngItems.length > 0, "the vector set has no PNG item to check preprocessing with");
      for (const item of report.items) {
        console.log(
          `# ${set.name}/${item.image}: input ${item.inputDiff?.toExponential(2) ?? "n/a (JPEG)"}, logits(f32) ${item.logitsFromInputDiff.toExponential(2)}, logits(image) ${item.logitsFromImageDiff?.toExponential(2) ?? "n/a"}, p ${item.probabilityDiff.toExponential(2)}`,
        );
        if (item.inputDiff !== undefined)
          assert.ok(
            item.inputDiff <= 1e-4,
            `${item.image}: preprocessing max |diff| ${item.inputDiff}`,
          );
        if (item.logitsFromImageDiff !== undefined)
          assert.ok(
            item.logitsFromImageDiff <= 1e-5,
            `${item.image}: logits from the TS-preprocessed image differ by ${item.logitsFromImageDiff}`,
          );
        assert.ok(
          item.logitsFromInputDiff <= 1e-5,
          `${item.image}: logits max |diff| ${item.logitsFromInputDiff}`,
        );
        assert.ok(
          item.probabilityDiff <= 1e-5,
          `${item.image}: probability differs by ${item.probabilityDiff}`,
        );
        assert.deepEqual([...item.featuresShape], item.expectedFeaturesShape);
        assert.equal(item.featuresShape[1], report.card.architecture.featuresShape[0]);
        assert.deepEqual(item.featuresShape.slice(2), [16, 16]);
        assert.ok(
          item.featuresSumRelDiff <= 1e-4,
          `${item.image}: features sum differs (relative ${item.featuresSumRelDiff})`,
        );
      }
    });
  }
});
