import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { SITE_CHECK_ALPHA, siteCheck } from "./siteCheck.ts";

/** Seeded uniform numbers in [0, 1) (mulberry32), so the tests are repeatable. */
function uniform(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** U by its definition: every pair, 1 for a win of the set, 0.5 for a tie. */
function pairwiseU(set: readonly number[], reference: readonly number[]): number {
  let u = 0;
  for (const s of set) for (const r of reference) u += s > r ? 1 : s === r ? 0.5 : 0;
  return u;
}

describe("siteCheck (one-sided Mann-Whitney U against the card's validation scores)", () => {
  // Reference figures from scipy.stats.mannwhitneyu(set, reference, alternative="greater",
  // method="asymptotic") (scipy 1.17), which uses the same tie and continuity corrections.
  const set = [0.5, 1.2, 1.2, 3.0, 0.9, 2.2, 1.2, 0.7, 4.1, 1.0, 2.5, 0.3];
  const reference = [0.1, 0.4, 0.5, 1.2, 0.8, 0.9, 0.2, 0.6, 1.1, 0.3, 0.7, 0.5, 1.3, 0.2, 0.9];

  test("gives scipy's U and p-value on a set with ties", () => {
    const check = siteCheck(set, reference);
    assert.ok(check);
    assert.equal(check.auroc * check.n * check.validationN, 141.5);
    assert.ok(Math.abs(check.pValue - 0.006270225322751207) < 1e-12, `${check.pValue}`);
    assert.equal(check.n, 12);
    assert.equal(check.validationN, 15);
    assert.equal(check.test, "mann-whitney-u");
    // Against 15 validation scores (cards carry at least 100): the figures, but no verdict.
    assert.equal(check.unlikeTraining, null);
  });

  test("keeps a tiny p-value's digits (erfc, not 1 - the normal CDF)", () => {
    const far = Array.from({ length: 40 }, (_, i) => 10 + i * 0.1);
    const validation = Array.from({ length: 200 }, (_, i) => i * 0.01);
    const check = siteCheck(far, validation);
    assert.ok(check);
    assert.equal(check.auroc, 1);
    assert.ok(
      Math.abs(check.pValue / 9.514673774681335e-24 - 1) < 1e-9,
      `${check.pValue} vs scipy's 9.514673774681335e-24`,
    );
    assert.equal(check.unlikeTraining, true);
  });

  test("U is the count of pairs the set wins (ties half), whatever the order", () => {
    const next = uniform(7);
    // Values on a coarse grid, so ties within and across the two sides are common.
    const draw = (n: number) => Array.from({ length: n }, () => Math.round(next() * 20) / 10);
    const a = draw(37);
    const b = draw(53).sort((x, y) => x - y);
    const check = siteCheck(a, b);
    assert.ok(check);
    assert.ok(Math.abs(check.auroc * 37 * 53 - pairwiseU(a, b)) < 1e-9);
  });

  test("a set drawn like the validation images gets no verdict against it; a shifted one does", () => {
    const next = uniform(11);
    const validation = Array.from({ length: 500 }, () => next()).sort((x, y) => x - y);
    const alike = Array.from({ length: 50 }, () => next());
    const shifted = Array.from({ length: 20 }, () => 0.4 + next());
    const same = siteCheck(alike, validation);
    const moved = siteCheck(shifted, validation);
    assert.ok(same && moved);
    assert.ok(Math.abs(same.auroc - 0.5) < 0.1, `${same.auroc}`);
    assert.equal(same.unlikeTraining, false);
    assert.ok(moved.pValue < SITE_CHECK_ALPHA, `${moved.pValue}`);
    assert.equal(moved.unlikeTraining, true);
  });

  test("a NaN score ranks above every number (no evidence of being like the training data)", () => {
    const check = siteCheck([Number.NaN, Number.NaN], [0, 1, 2]);
    assert.ok(check);
    assert.equal(check.auroc, 1);
  });

  test("fewer than 10 images: the figures, but no verdict", () => {
    const check = siteCheck(
      Array.from({ length: 9 }, () => 100),
      Array.from({ length: 100 }, (_, i) => i / 100),
    );
    assert.ok(check);
    assert.ok(check.pValue < SITE_CHECK_ALPHA);
    assert.equal(check.unlikeTraining, null);
  });

  test("all scores equal: z = 0 and p = 0.5 (no evidence either way)", () => {
    const check = siteCheck(Array(12).fill(1), Array(120).fill(1));
    assert.ok(check);
    assert.equal(check.z, 0);
    assert.equal(check.pValue, 0.5);
    assert.equal(check.unlikeTraining, false);
  });

  test("fewer than 100 validation scores: no verdict however far apart (the approximation misleads there)", () => {
    const check = siteCheck(Array(40).fill(5), [0, 1, 2]);
    assert.ok(check);
    assert.equal(check.auroc, 1);
    assert.equal(check.unlikeTraining, null);
  });

  test("no image or no validation score: no check", () => {
    assert.equal(siteCheck([], [1, 2]), null);
    assert.equal(siteCheck([1, 2], []), null);
  });

  test("refuses a validation score that is not a finite number", () => {
    assert.throws(
      () => siteCheck([1], [0, Number.POSITIVE_INFINITY]),
      (err: unknown) => err instanceof InvalidInputError && /validationScores/.test(err.message),
    );
  });
});
