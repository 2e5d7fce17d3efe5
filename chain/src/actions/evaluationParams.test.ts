import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluationParams } from "./evaluationParams.ts";
import { evaluationFigures } from "./testing.ts";

describe("evaluationParams", () => {
  const figures = evaluationFigures(40, 80, 70, 10, "borealis-scans-2026");

  it("converts fractions to basis points and packs the versions", () => {
    const params = evaluationParams({ ...figures, codeVersion: "1.2.3", cardVersion: 2 });
    assert.deepEqual(params, {
      accuracy: 5500,
      precision: 8000,
      recall: 3333,
      specificity: 8750,
      f1: 4706,
      auc: 9000,
      positives: 120,
      negatives: 80,
      fingerprint: figures.fingerprint,
      codeVersion: 0x010203,
      cardVersion: 2,
    });
  });

  it("refuses each malformed field, naming it", () => {
    const cases = [
      [{ recall: 1.2 }, /recall must be a fraction/],
      [{ auc: -0.1 }, /auc must be a fraction/],
      [{ f1: Number.NaN }, /f1 must be a fraction/],
      [{ negatives: 0 }, /negatives must be a positive image count/],
      [{ positives: 1.5 }, /positives must be a positive image count/],
      [{ positives: 2 ** 32 }, /positives must be a positive image count/],
      [{ fingerprint: `0x${"00".repeat(32)}` }, /fingerprint must be 32 non-zero bytes/],
      [{ fingerprint: "0x1234" }, /fingerprint must be 32 non-zero bytes/],
      [{ codeVersion: "1.2" }, /codeVersion/],
      [{ codeVersion: "1.2.256" }, /codeVersion/],
      [{ cardVersion: 0 }, /cardVersion must be 1-255/],
      [{ cardVersion: 256 }, /cardVersion must be 1-255/],
    ] as const;
    for (const [change, reason] of cases) {
      assert.throws(
        () => evaluationParams({ ...figures, ...change }),
        reason,
        JSON.stringify(change),
      );
    }
  });
});
