import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { interpretOutputs } from "../inference/classify.ts";
import { prepareInput } from "../inference/preprocess.ts";
import {
  checkVectorSet,
  findVectorSets,
  maxAbsDiff,
  v2VectorCases,
} from "./testing/trainingVectors.ts";

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
        if (report.card.positiveLabel === null)
          assert.equal(
            item.predicted?.actual,
            item.predicted?.expected,
            `${item.image}: predicted`,
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

const trainingDir = fileURLToPath(new URL("../../../training/", import.meta.url));
const referenceScript = fileURLToPath(new URL("testing/class_heatmaps.py", import.meta.url));

type Reference = { heatmaps: number[][]; peaks: [number, number][] };

/** Training's `heatmap.class_heatmap` and `heatmap.peak` for every class of the given cams. */
function trainingHeatmaps(cases: unknown[]): Reference[] {
  const run = spawnSync("/usr/bin/python3", [referenceScript], {
    cwd: trainingDir,
    input: JSON.stringify(cases),
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: trainingDir },
  });
  assert.equal(run.status, 0, `training's heatmap reference failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Reference[];
}

describe("models without a positive label (type task): every class, as training computes it", () => {
  it("gives every label's heatmap and peak exactly as training's heatmap.py, on the model's own cam outputs", async () => {
    const cases = (await v2VectorCases(modelsDir)).filter((c) => c.card.positiveLabel === null);
    assert.ok(
      cases.length > 0,
      "no vector set of a model without a positive label under training/models/ (the type task's smoke-type)",
    );
    const placed = cases.map((c) => ({
      ...c,
      region: prepareInput(c.image, c.card.preprocessing).region,
    }));
    const reference = trainingHeatmaps(
      placed.map(({ outputs, region, card, image }) => ({
        cam: Array.from(outputs.cam?.data ?? []),
        dims: outputs.cam?.dims,
        region: { left: region.left, top: region.top, size: region.width },
        s: card.preprocessing.resize.width,
        width: image.width,
        height: image.height,
      })),
    );
    let compared = 0;
    for (const [i, c] of placed.entries()) {
      const name = `${c.set}/${c.item.image}`;
      const expected = reference[i] as Reference;
      assert.equal(expected.heatmaps.length, c.card.labels.length, `${name}: one map per label`);
      for (const [k, label] of c.card.labels.entries()) {
        const result = interpretOutputs(
          c.outputs,
          c.card,
          { region: c.region, image: c.image },
          { heatmapLabel: label },
        );
        assert.equal(result.heatmapLabel, label);
        const diff = maxAbsDiff(result.heatmap.data, expected.heatmaps[k] as number[]);
        assert.ok(diff <= 1e-6, `${name} ${label}: heatmap max |diff| ${diff}`);
        assert.deepEqual(
          [result.peak.x, result.peak.y],
          expected.peaks[k],
          `${name} ${label}: peak`,
        );
        compared++;
      }
      // Without a positive label the default is the predicted label's map: the vector's peak.
      const byDefault = interpretOutputs(c.outputs, c.card, { region: c.region, image: c.image });
      assert.equal(byDefault.label, c.item.predicted, `${name}: predicted`);
      assert.equal(byDefault.heatmapLabel, byDefault.label);
      assert.deepEqual([byDefault.peak.x, byDefault.peak.y], c.item.peak, `${name}: default peak`);
    }
    console.log(
      `# ${compared} class heatmaps and peaks equal training's (${placed.length} images)`,
    );
  });
});
