import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { seededRandom } from "../testing/seededRandom.ts";
import { mannWhitney, SITE_CHECK_ALPHA, siteCheck } from "./siteCheck.ts";

/** U by its definition: every pair, 1 for a win of the set, 0.5 for a tie. */
function pairwiseU(set: readonly number[], reference: readonly number[]): number {
  let u = 0;
  for (const s of set) for (const r of reference) u += s > r ? 1 : s === r ? 0.5 : 0;
  return u;
}

describe("mannWhitney (one-sided, normal approximation)", () => {
  // Reference figures from scipy.stats.mannwhitneyu(set, reference, alternative="greater",
  // method="asymptotic") (scipy 1.17), which uses the same tie and continuity corrections.
  const set = [0.5, 1.2, 1.2, 3.0, 0.9, 2.2, 1.2, 0.7, 4.1, 1.0, 2.5, 0.3];
  const reference = [0.1, 0.4, 0.5, 1.2, 0.8, 0.9, 0.2, 0.6, 1.1, 0.3, 0.7, 0.5, 1.3, 0.2, 0.9];

  test("gives scipy's U and p-value on a set with ties", () => {
    const m = mannWhitney(set, reference);
    assert.equal(m.auroc * 12 * 15, 141.5);
    assert.equal(m.validationN, 15);
    assert.ok(Math.abs(m.pValue - 0.006270225322751207) < 1e-12, `${m.pValue}`);
  });

  test("keeps a tiny p-value's digits (erfc, not 1 - the normal CDF)", () => {
    const far = Array.from({ length: 40 }, (_, i) => 10 + i * 0.1);
    const validation = Array.from({ length: 200 }, (_, i) => i * 0.01);
    const m = mannWhitney(far, validation);
    assert.equal(m.auroc, 1);
    assert.ok(
      Math.abs(m.pValue / 9.514673774681335e-24 - 1) < 1e-9,
      `${m.pValue} vs scipy's 9.514673774681335e-24`,
    );
  });

  test("U is the count of pairs the set wins (ties half), whatever the order", () => {
    const next = seededRandom(7);
    // Values on a coarse grid, so ties within and across the two sides are common.
    const draw = (n: number) => Array.from({ length: n }, () => Math.round(next() * 20) / 10);
    const a = draw(37);
    const b = draw(53).sort((x, y) => x - y);
    assert.ok(Math.abs(mannWhitney(a, b).auroc * 37 * 53 - pairwiseU(a, b)) < 1e-9);
  });

  test("NaN ranks with +Infinity above every number; the largest float stays a number", () => {
    assert.equal(mannWhitney([Number.NaN, Number.NaN], [0, 1, 2]).auroc, 1);
    assert.equal(mannWhitney([Infinity, ...Array(9).fill(0)], [Number.MAX_VALUE]).auroc, 0.1);
  });

  test("all scores equal: z = 0 and p = 0.5 (no evidence either way)", () => {
    const m = mannWhitney(Array(12).fill(1), Array(120).fill(1));
    assert.equal(m.z, 0);
    assert.equal(m.pValue, 0.5);
  });

  test("refuses a validation score that is not a finite number", () => {
    assert.throws(
      () => mannWhitney([1], [0, Number.POSITIVE_INFINITY]),
      (err: unknown) => err instanceof InvalidInputError && /validationScores/.test(err.message),
    );
  });
});

describe("siteCheck (every stratum of the card's validation scores)", () => {
  const next = seededRandom(11);
  const sorted = (xs: number[]) => xs.sort((x, y) => x - y);
  const strata = {
    "a/yes": sorted(Array.from({ length: 200 }, () => 0.5 + next())),
    "a/no": sorted(Array.from({ length: 300 }, () => next())),
  };

  test("a held-back set of one stratum is judged against its own kind, not the mix", () => {
    const likeYes = Array.from({ length: 60 }, () => 0.5 + next());
    const check = siteCheck(likeYes, strata);
    assert.ok(check);
    assert.deepEqual(
      check.strata.map((row) => row.stratum),
      ["a/no", "a/yes"],
    );
    assert.ok((check.strata[0]?.pValue as number) < SITE_CHECK_ALPHA);
    assert.ok((check.strata[1]?.pValue as number) > SITE_CHECK_ALPHA);
    assert.equal(check.closestStratum, "a/yes");
    assert.equal(check.pValue, check.strata[1]?.pValue);
    assert.equal(check.unlikeTraining, false);
    assert.equal(check.n, 60);
  });

  test("a set above every stratum is unlike the training data", () => {
    const check = siteCheck(
      Array.from({ length: 30 }, () => 1.2 + next()),
      strata,
    );
    assert.ok(check && (check.pValue as number) < SITE_CHECK_ALPHA);
    assert.equal(check.unlikeTraining, true);
  });

  test("fewer than 10 images: the figures, but no verdict", () => {
    const check = siteCheck(Array(9).fill(100), strata);
    assert.ok(check && (check.pValue as number) < SITE_CHECK_ALPHA);
    assert.equal(check.unlikeTraining, null);
  });

  test("a stratum under 100 validation scores takes no part in the verdict", () => {
    const small = siteCheck(Array(40).fill(5), { "s/x": [0, 1, 2] });
    assert.ok(small);
    assert.equal(small.pValue, null);
    assert.equal(small.closestStratum, null);
    assert.equal(small.unlikeTraining, null);
    assert.equal(small.strata[0]?.auroc, 1);
    const mixed = siteCheck(Array(40).fill(5), { ...strata, "s/y": [10] });
    assert.ok(mixed);
    assert.equal(mixed.unlikeTraining, true);
    assert.notEqual(mixed.closestStratum, "s/y");
  });

  test("no image or no validation score: no check", () => {
    assert.equal(siteCheck([], strata), null);
    assert.equal(siteCheck([1, 2], {}), null);
    assert.equal(siteCheck([1, 2], { "s/x": [] }), null);
  });
});
