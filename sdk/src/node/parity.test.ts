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
    it(`${set.name}: preprocessing, logits, probability, features (v2: region, cam, peak, OOD) match`, async () => {
      const report = await checkVectorSet(set);
      assert.equal(
        report.onnxSha256,
        report.card.onnx.sha256,
        "model.onnx does not match the card's sha256",
      );
      const pngItems = report.items.filter((item) => item.inputDiff !== undefined);
      assert.ok(pngItems.length > 0, "the vector set has no PNG item to check preprocessing with");
      const v2 = report.card.schema === "neuroledger.model-card/2";
      // v2 inputs come from area sums, which may round differently (docs/interfaces.md section 3).
      const logitsTolerance = v2 ? 1e-4 : 1e-5;
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
            item.logitsFromImageDiff <= logitsTolerance,
            `${item.image}: logits from the TS-preprocessed image differ by ${item.logitsFromImageDiff}`,
          );
        assert.ok(
          item.logitsFromInputDiff <= logitsTolerance,
          `${item.image}: logits max |diff| ${item.logitsFromInputDiff}`,
        );
        assert.ok(
          item.probabilityDiff <= logitsTolerance,
          `${item.image}: probability differs by ${item.probabilityDiff}`,
        );
        assert.deepEqual([...item.featuresShape], item.expectedFeaturesShape);
        assert.equal(item.featuresShape[1], report.card.architecture.featuresShape[0]);
        assert.deepEqual(
          item.featuresShape.slice(2),
          report.card.architecture.featuresShape.slice(1),
          "the feature map's size differs from the card's",
        );
        assert.ok(
          item.featuresSumRelDiff <= 1e-4,
          `${item.image}: features sum differs (relative ${item.featuresSumRelDiff})`,
        );
        if (!v2) continue;
        const checks = item.v2;
        assert.ok(checks, `${item.image}: no v2 checks for a v2 card`);
        console.log(
          `#   cam sums ${checks.camSumRelDiff.toExponential(2)}, ood ${checks.oodRelDiff.toExponential(2)}, peak ${checks.peakDistance ?? "n/a"} px (step ${checks.peakStep?.toFixed(2) ?? "n/a"}), region ${JSON.stringify(checks.region?.actual ?? "n/a")}`,
        );
        assert.ok(
          checks.camSumRelDiff <= 1e-4,
          `${item.image}: cam sums differ (relative ${checks.camSumRelDiff})`,
        );
        assert.ok(
          checks.oodRelDiff <= 1e-3,
          `${item.image}: OOD score differs (relative ${checks.oodRelDiff})`,
        );
        if (item.inputDiff === undefined) continue;
        const { actual, expected } = checks.region ?? {};
        assert.deepEqual(
          actual && {
            left: actual.left,
            top: actual.top,
            size: actual.width,
            height: actual.height,
          },
          expected && { ...expected, height: expected.size },
          `${item.image}: region`,
        );
        // Within one input pixel: floored image coordinates one input pixel apart differ by up to ceil(size / S).
        assert.ok(
          (checks.peakDistance as number) <= Math.ceil(checks.peakStep as number),
          `${item.image}: peak ${checks.peakDistance} image pixels from the vector's (one input pixel = ${checks.peakStep})`,
        );
      }
    });
  }
});
