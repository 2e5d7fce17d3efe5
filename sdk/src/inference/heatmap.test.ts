import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError, ModelOutputError } from "../errors.ts";
import { interpretOutputs, softmax } from "./classify.ts";
import {
  heatmapColor,
  heatmapFromFeatures,
  heatmapToRgba,
  overlayHeatmap,
  resizeHeatmap,
} from "./heatmap.ts";

describe("heatmap", () => {
  it("is the channel mean of the features, min-max normalised", () => {
    // two channels, 1x3 map: means 1, 2, 5
    const features = Float32Array.of(0, 2, 4, 2, 2, 6);
    const map = heatmapFromFeatures(features, [1, 2, 1, 3]);
    assert.deepEqual([map.width, map.height], [3, 1]);
    assert.deepEqual(Array.from(map.data), [0, 0.25, 1]);
    assert.deepEqual(
      Array.from(heatmapFromFeatures(new Float32Array(6).fill(3), [1, 2, 1, 3]).data),
      [0, 0, 0],
    );
    assert.throws(() => heatmapFromFeatures(features, [1, 2, 2, 3]), InvalidInputError);
  });

  it("upsamples to the image, renders an overlay whose alpha follows the value", () => {
    const map = { width: 2, height: 1, data: Float32Array.of(0, 1) };
    const big = resizeHeatmap(map, 4, 2);
    assert.deepEqual(Array.from(big.data.subarray(0, 4)), [0, 0.25, 0.75, 1]);
    const rgba = heatmapToRgba(map, { opacity: 0.5 });
    assert.equal(rgba.data[3], 0);
    assert.equal(rgba.data[7], 128);
    assert.deepEqual(heatmapColor(1), [128, 0, 0]);
    assert.deepEqual(heatmapColor(0), [0, 0, 143]);
    const image = { width: 2, height: 1, data: Uint8Array.of(100, 100) };
    const blended = overlayHeatmap(image, map, { opacity: 1 });
    assert.deepEqual(Array.from(blended.data.subarray(0, 4)), [100, 100, 100, 255]);
    assert.deepEqual(Array.from(blended.data.subarray(4, 8)), [128, 0, 0, 255]);
  });
});

describe("interpreting outputs", () => {
  it("takes softmax, the positive class and the top label", () => {
    const [a, b] = softmax([1000, 1000 + Math.log(3)]);
    assert.ok(Math.abs((a as number) - 0.25) < 1e-12 && Math.abs((b as number) - 0.75) < 1e-12);
    const card = {
      labels: ["no", "yes"],
      positiveLabel: "yes",
      preprocessing: {
        resize: { width: 4, height: 4 },
        scale: 255,
        mean: [0, 0, 0],
        std: [1, 1, 1],
      },
    };
    const features = { data: new Float32Array(4), dims: [1, 1, 2, 2] };
    const placement = {
      region: { left: 0, top: 0, width: 8, height: 8 },
      image: { width: 8, height: 8 },
    };
    const result = interpretOutputs({ logits: Float32Array.of(2, 0), features }, card, placement);
    assert.equal(result.label, "no");
    assert.ok(Math.abs(result.probability - 1 / (1 + Math.exp(2))) < 1e-7);
    assert.ok(Math.abs((result.probabilities.no as number) + result.probability - 1) < 1e-12);
    assert.throws(
      () => interpretOutputs({ logits: Float32Array.of(1, 2, 3), features }, card, placement),
      ModelOutputError,
    );
  });
});
