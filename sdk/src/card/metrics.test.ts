import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { binaryMetrics, rocAuc } from "./metrics.ts";

describe("binary metrics (as training/metrics.py)", () => {
  it("counts the confusion matrix with the 0.5 threshold", () => {
    const m = binaryMetrics([0, 0, 1, 1, 1], [0.1, 0.6, 0.5, 0.9, 0.2]);
    assert.deepEqual(m.confusion, [
      [1, 1],
      [1, 2],
    ]);
    assert.equal(m.accuracy, 3 / 5);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
    assert.equal(m.n, 5);
  });

  it("computes AUC with ties counted half, null for one class", () => {
    assert.equal(rocAuc([0, 1], [0.2, 0.8]), 1);
    assert.equal(rocAuc([0, 1], [0.8, 0.2]), 0);
    assert.equal(rocAuc([0, 1], [0.5, 0.5]), 0.5);
    // pairs (neg, pos): (0.1,0.4)=1 (0.1,0.35)=1 (0.4,0.4)=0.5 (0.4,0.35)=0 -> 2.5 / 4
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.35]), 0.625);
    assert.equal(rocAuc([1, 1], [0.1, 0.2]), null);
    assert.equal(binaryMetrics([1, 1], [0.1, 0.9]).auc, null);
  });

  it("handles empty input and refuses bad labels", () => {
    assert.deepEqual(binaryMetrics([], []), {
      accuracy: 0,
      precision: 0,
      recall: 0,
      f1: 0,
      auc: null,
      n: 0,
      confusion: [
        [0, 0],
        [0, 0],
      ],
    });
    assert.throws(() => binaryMetrics([2], [0.5]), InvalidInputError);
    assert.throws(() => binaryMetrics([1], []), InvalidInputError);
  });
});
