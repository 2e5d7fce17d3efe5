import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { heatmapFromCam, heatmapPeak } from "./cam.ts";
import { interpretOutputs } from "./classify.ts";
import { heatmapOnImage, overlayHeatmap } from "./heatmap.ts";
import { formatOodFigure, oodScore } from "./ood.ts";

const v2Card = (ood?: { mean: number[]; var: number[]; threshold: number }) => ({
  labels: ["no", "yes"],
  positiveLabel: "yes",
  preprocessing: { version: 2 as const, resize: { width: 4, height: 4 }, normalize: { clip: 5 } },
  ...(ood ? { ood } : {}),
});

describe("class activation heatmap (card v2)", () => {
  it("is max(0, cam[k] - mean over classes), divided by its maximum", () => {
    // two classes on a 1x3 grid: cam[no] = 1, 1, 1; cam[yes] = 1, 3, 5
    const cam = Float32Array.of(1, 1, 1, 1, 3, 5);
    assert.deepEqual(Array.from(heatmapFromCam(cam, [1, 2, 1, 3], 1).data), [0, 0.5, 1]);
    // the other class: no - mean = 0, -1, -2 -> all clipped to 0, all zeros
    assert.deepEqual(Array.from(heatmapFromCam(cam, [1, 2, 1, 3], 0).data), [0, 0, 0]);
    const region = { left: -2, top: 3, width: 10, height: 10 };
    assert.deepEqual(heatmapFromCam(cam, [1, 2, 1, 3], 1, region).region, region);
    assert.throws(() => heatmapFromCam(cam, [1, 2, 1, 3], 2), /No class 2/);
    assert.throws(() => heatmapFromCam(cam, [1, 2, 2, 3], 1), InvalidInputError);
  });

  it("finds the peak on the S x S input and maps it through the region to image pixels", () => {
    // 2x2 grid, hottest cell bottom right; upsampled to 4x4 the first maximum is (3, 3).
    const map = { width: 2, height: 2, data: Float32Array.of(0, 0.2, 0.4, 1) };
    const s = { width: 4, height: 4 };
    // region 100 px square from (-10, 20): input pixel 3 -> -10 + 3.5 * 25 = 77.5 -> 77; 20 + 87.5
    assert.deepEqual(
      heatmapPeak(map, { left: -10, top: 20, width: 100, height: 100 }, s, {
        width: 90,
        height: 200,
      }),
      {
        x: 77,
        y: 107,
      },
    );
    // clamped to the image where the region reaches past it
    assert.deepEqual(
      heatmapPeak(map, { left: -10, top: 20, width: 100, height: 100 }, s, {
        width: 50,
        height: 60,
      }),
      {
        x: 49,
        y: 59,
      },
    );
    // ties: the first maximum in row-major order
    const flat = { width: 2, height: 2, data: new Float32Array(4) };
    assert.deepEqual(
      heatmapPeak(flat, { left: 0, top: 0, width: 8, height: 8 }, s, { width: 8, height: 8 }),
      { x: 1, y: 1 },
    );
  });

  it("lays the grid on the image through the region: nothing outside it", () => {
    const heatmap = {
      width: 1,
      height: 1,
      data: Float32Array.of(1),
      region: { left: 2, top: 1, width: 2, height: 2 },
    };
    const on = heatmapOnImage(heatmap, 5, 4);
    const hot = Array.from(on.data, (v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(hot, [1 * 5 + 2, 1 * 5 + 3, 2 * 5 + 2, 2 * 5 + 3]);
    const image = { width: 5, height: 4, data: new Uint8Array(20).fill(100) };
    const blended = overlayHeatmap(image, heatmap, { opacity: 1 });
    assert.deepEqual(Array.from(blended.data.subarray(0, 4)), [100, 100, 100, 255]);
    assert.deepEqual(Array.from(blended.data.subarray(7 * 4, 8 * 4)), [128, 0, 0, 255]);
    // a region partly off the image is cut at the edges
    const off = heatmapOnImage(
      { ...heatmap, region: { left: -3, top: -3, width: 5, height: 5 } },
      5,
      4,
    );
    assert.equal(off.data[0], 1);
    assert.equal(off.data[2], 0);
  });
});

describe("out-of-distribution score", () => {
  it("is shown to 3 significant figures", () => {
    assert.deepEqual([0.0046, 0.011994, 1.18539, 17.8456, 1234.5].map(formatOodFigure), [
      "0.00460",
      "0.0120",
      "1.19",
      "17.8",
      "1.23e+3",
    ]);
  });

  it("is the mean over channels of (pooled feature - mean)^2 / var, flagged above the threshold", () => {
    // 2 channels on a 1x2 map: pooled 2 and 10
    const features = Float32Array.of(1, 3, 10, 10);
    const result = oodScore(features, [1, 2, 1, 2], { mean: [0, 4], var: [1, 9], threshold: 3 });
    assert.equal(result.score, (4 + 36 / 9) / 2);
    assert.equal(result.outOfDistribution, true);
    assert.equal(
      oodScore(features, [1, 2, 1, 2], { mean: [2, 10], var: [1, 1], threshold: 3 }).score,
      0,
    );
    const broken = oodScore(Float32Array.of(1, Number.NaN, 10, 10), [1, 2, 1, 2], {
      mean: [0, 4],
      var: [1, 9],
      threshold: 3,
    });
    assert.ok(Number.isNaN(broken.score) && broken.outOfDistribution, "NaN features are flagged");
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { mean: [0], var: [1], threshold: 1 }),
      /2 feature channels/,
    );
  });

  it("with the full covariance (gap-mahalanobis) is (1 / C) d^T precision d", () => {
    // pooled 2 and 10, mean 0 and 4: d = (2, 6); precision [[2, -1], [-1, 1]]
    const features = Float32Array.of(1, 3, 10, 10);
    const spec = {
      method: "gap-mahalanobis" as const,
      mean: [0, 4],
      var: [1, 9],
      precision: [
        [2, -1],
        [-1, 1],
      ],
      threshold: 3,
    };
    const result = oodScore(features, [1, 2, 1, 2], spec);
    assert.equal(result.score, (2 * 2 * 2 - 2 * 2 * 6 + 6 * 6) / 2);
    assert.equal(result.outOfDistribution, true);
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { ...spec, precision: [[1, 0]] }),
      /precision matrix is not 2 x 2/,
    );
  });

  it("gap-cosine-or-mahalanobis: the scaled cosine to the nearest prototype, or the scaled Mahalanobis score once above 1", () => {
    // pooled (2, 10): cosines 2 / sqrt(104) to (1, 0) and (2 * 3 + 10 * 4) / (sqrt(104) * 5) to (3, 4);
    // d = (2, 6) from mean (0, 4), precision [[2, -1], [-1, 1]]: q = (8 - 24 + 36) / 2 = 10.
    const features = Float32Array.of(1, 3, 10, 10);
    const spec = {
      method: "gap-cosine-or-mahalanobis" as const,
      mean: [0, 4],
      var: [1, 9],
      precision: [
        [2, -1],
        [-1, 1],
      ],
      prototypes: [
        [1, 0],
        [3, 4],
      ],
      cosineScale: 0.01,
      mahalanobisScale: 20,
      threshold: 1.5,
    };
    const cosine = 1 - 46 / (Math.sqrt(104) * 5);
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b));
    const result = oodScore(features, [1, 2, 1, 2], spec);
    // q / 20 = 0.5 is below 1: only the cosine part counts.
    assert.ok(close(result.score, cosine / 0.01), `${result.score} vs ${cosine / 0.01}`);
    assert.equal(result.outOfDistribution, true);
    // q / 4 = 2.5 passes 1 and beats the cosine part once that is scaled down.
    const both = oodScore(features, [1, 2, 1, 2], { ...spec, cosineScale: 1, mahalanobisScale: 4 });
    assert.ok(close(both.score, 2.5), `${both.score}`);
    // The cosine part ignores the features' length; the Mahalanobis part does not.
    const longer = oodScore(Float32Array.of(10, 30, 100, 100), [1, 2, 1, 2], {
      ...spec,
      mahalanobisScale: 1e9,
    });
    assert.ok(
      close(longer.score, cosine / 0.01),
      "only the direction of g counts in the cosine part",
    );
    const zero = oodScore(Float32Array.of(0, 0, 0, 0), [1, 2, 1, 2], {
      ...spec,
      mahalanobisScale: 1e9,
    });
    assert.ok(close(zero.score, 1 / 0.01), "all-zero features: cosine distance 1");
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { ...spec, prototypes: [[1, 0, 0]] }),
      /prototypes are not M x 2/,
    );
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { ...spec, prototypes: [] }),
      /prototypes are not M x 2/,
    );
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { ...spec, precision: undefined }),
      /precision matrix is not 2 x 2/,
    );
    assert.throws(
      () => oodScore(features, [1, 2, 1, 2], { ...spec, cosineScale: 0 }),
      /needs positive cosineScale and mahalanobisScale/,
    );
    assert.throws(
      () =>
        oodScore(features, [1, 2, 1, 2], {
          ...spec,
          method: "gap-cosine-prototypes" as unknown as "gap-mahalanobis",
        }),
      /Unknown OOD method "gap-cosine-prototypes"/,
    );
    // The Mahalanobis part counts the length: 10x the features moves d = g - mean and q with it.
    const far = oodScore(Float32Array.of(10, 30, 100, 100), [1, 2, 1, 2], spec);
    const [d0, d1] = [20, 96];
    const q = (2 * d0 ** 2 - 2 * d0 * d1 + d1 ** 2) / 2;
    assert.ok(close(far.score, q / 20), `${far.score} vs ${q / 20}`);
  });
});

describe("interpreting the outputs of a v2 model", () => {
  const logits = Float32Array.of(0, 1);
  const features = { data: Float32Array.of(1, 1, 1, 1, 2, 2, 2, 2), dims: [1, 2, 2, 2] };
  // cam[no] peaks top left, cam[yes] bottom right
  const cam = { data: Float32Array.of(4, 0, 0, 0, 0, 0, 0, 4), dims: [1, 2, 2, 2] };
  const placement = {
    region: { left: 10, top: 0, width: 40, height: 40 },
    image: { width: 60, height: 40 },
  };

  it("draws the positive class by default, any label on request, and scores OOD against the card", () => {
    const card = v2Card({ mean: [1, 2], var: [1, 1], threshold: 0.5 });
    const result = interpretOutputs({ logits, features, cam }, card, placement);
    assert.equal(result.heatmapMethod, "cam");
    assert.equal(result.heatmapLabel, "yes");
    assert.deepEqual(Array.from(result.heatmap.data), [0, 0, 0, 1]);
    assert.deepEqual(result.heatmap.region, placement.region);
    assert.deepEqual(result.peak, { x: 10 + Math.floor(3.5 * 10), y: 35 });
    assert.deepEqual(result.ood, { score: 0, threshold: 0.5, outOfDistribution: false });
    const no = interpretOutputs({ logits, features, cam }, card, placement, { heatmapLabel: "no" });
    assert.deepEqual(Array.from(no.heatmap.data), [1, 0, 0, 0]);
    assert.deepEqual(no.peak, { x: 15, y: 5 });
    assert.throws(
      () => interpretOutputs({ logits, features, cam }, card, placement, { heatmapLabel: "maybe" }),
      /No label "maybe"/,
    );
    const far = interpretOutputs(
      { logits, features, cam },
      v2Card({ mean: [5, 2], var: [1, 1], threshold: 0.5 }),
      placement,
    );
    assert.deepEqual(far.ood, { score: 8, threshold: 0.5, outOfDistribution: true });
  });

  it("falls back to the feature channel mean without a cam output, and has no OOD without card.ood", () => {
    const result = interpretOutputs({ logits, features }, v2Card(), placement);
    assert.equal(result.heatmapMethod, "feature-mean");
    assert.equal(result.heatmapLabel, null);
    assert.equal(result.ood, null);
  });
});

describe("interpreting the outputs of a K-class model (type task, no positive label)", () => {
  const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
  const card = {
    labels,
    positiveLabel: null,
    preprocessing: { version: 2 as const, resize: { width: 4, height: 4 }, normalize: { clip: 5 } },
  };
  // meningioma most probable; each class's cam is hot in its own cell of a 2x2 grid
  const logits = Float32Array.of(0, 2, -1, 1);
  const features = { data: new Float32Array(8).fill(1), dims: [1, 2, 2, 2] };
  const cam = { data: new Float32Array(16), dims: [1, 4, 2, 2] };
  for (let k = 0; k < 4; k++) cam.data[k * 4 + k] = 4;
  const placement = {
    region: { left: 0, top: 0, width: 40, height: 40 },
    image: { width: 40, height: 40 },
  };
  const expected = (() => {
    const e = Array.from(logits, Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  })();

  it("gives every label's probability, the predicted label's as `probability`, and its heatmap by default", () => {
    const result = interpretOutputs({ logits, features, cam }, card, placement);
    assert.equal(result.label, "meningioma");
    assert.deepEqual(Object.keys(result.probabilities), labels);
    for (const [i, label] of labels.entries())
      assert.ok(
        Math.abs((result.probabilities[label] as number) - (expected[i] as number)) < 1e-12,
      );
    assert.equal(result.probability, result.probabilities.meningioma);
    assert.equal(result.heatmapLabel, "meningioma");
    // mean over the 4 classes is 1 in every cell: meningioma's cell (0, 1) -> 3, the rest 0
    assert.deepEqual(Array.from(result.heatmap.data), [0, 1, 0, 0]);
    // upsampled to 4 x 4 (edges clamped) the first maximum is input pixel (3, 0): 3.5 * 40 / 4
    assert.deepEqual(result.peak, { x: 35, y: 5 });
  });

  it("draws any chosen label's heatmap and peak, and names the labels for an unknown one", () => {
    for (const [k, label] of labels.entries()) {
      const result = interpretOutputs({ logits, features, cam }, card, placement, {
        heatmapLabel: label,
      });
      assert.equal(result.heatmapLabel, label);
      assert.equal(result.label, "meningioma", "the prediction does not follow the heatmap");
      assert.equal(result.heatmap.data.indexOf(1), k);
      assert.deepEqual(result.peak, { x: k % 2 ? 35 : 5, y: k >= 2 ? 35 : 5 });
    }
    assert.throws(
      () => interpretOutputs({ logits, features, cam }, card, placement, { heatmapLabel: "yes" }),
      /No label "yes".*glioma, meningioma, no_tumor, pituitary/,
    );
  });
});
