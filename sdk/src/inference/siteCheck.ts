/**
 * The site check (docs/interfaces.md section 1): does a set of images, as a whole, score higher on
 * the out-of-distribution score than the model's in-source validation images? One image's score
 * separates a new hospital's MRI from the training sources' only loosely (AUROC 0.76-0.84 on
 * held-out figshare), so the per-image warning fires on few of them; a set gathers the evidence.
 * The same test as training's `ood.site_check`, value for value.
 */
import erfc from "@stdlib/math-base-special-erfc";
import { InvalidInputError } from "../errors.ts";

/** The test's significance level: one false "unlike the training data" in 1000 in-source sets. */
export const SITE_CHECK_ALPHA = 0.001;
/** Fewer images get no verdict: the normal approximation is rough and the test has little power. */
export const SITE_CHECK_MIN_IMAGES = 10;
/**
 * Against fewer validation scores no verdict either (cards carry at least this many): the normal
 * approximation misleads both ways (with 3 no set reaches p < 0.001; with 1, twenty tied scores
 * reach p = 1e-5 where the exact p is 1/21).
 */
export const SITE_CHECK_MIN_VALIDATION = 100;

export type SiteCheck = {
  test: "mann-whitney-u";
  /** Images in the set. */
  n: number;
  /** The card's validation scores it was ranked against. */
  validationN: number;
  /** `U / (n V)`: the chance that an image of the set scores above a validation image (0.5: alike). */
  auroc: number;
  /** `(U - n V / 2 - 0.5) / sigma`: the continuity-corrected, tie-corrected standard score of U. */
  z: number;
  /** One-sided: `erfc(z / sqrt 2) / 2` (normal approximation). */
  pValue: number;
  alpha: number;
  /**
   * `pValue < alpha`; null (no verdict) for fewer than {@link SITE_CHECK_MIN_IMAGES} images or
   * {@link SITE_CHECK_MIN_VALIDATION} validation scores.
   */
  unlikeTraining: boolean | null;
};

/**
 * One-sided Mann-Whitney U test (Mann & Whitney 1947) of `scores` (the set's OOD scores; NaN counts
 * as +Infinity: no evidence of being like the training data) against `validationScores` (the
 * card's `ood.validationScores`), normal approximation with the tie-corrected variance.
 * Returns null when either is empty. The images are taken as independent draws: slices of one
 * patient are not, so one study is not a site.
 * @throws InvalidInputError when a validation score is not a finite number.
 */
export function siteCheck(
  scores: readonly number[],
  validationScores: readonly number[],
): SiteCheck | null {
  const n = scores.length;
  const v = validationScores.length;
  if (n === 0 || v === 0) return null;
  if (!validationScores.every(Number.isFinite)) {
    throw new InvalidInputError("The card's ood.validationScores must all be finite numbers.");
  }
  const all = [
    ...scores.map((s) => ({ value: Number.isNaN(s) ? Infinity : s, inSet: true })),
    ...validationScores.map((value) => ({ value, inSet: false })),
  ].sort((a, b) => (a.value === b.value ? 0 : a.value - b.value));
  // Midranks (1-based) of each tie group; the set's rank sum gives U, the group sizes the variance.
  let rankSum = 0;
  let ties = 0;
  for (let start = 0; start < all.length; ) {
    let end = start;
    while (end + 1 < all.length && all[end + 1]?.value === all[start]?.value) end++;
    const size = end - start + 1;
    const midrank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) if (all[i]?.inSet) rankSum += midrank;
    ties += size ** 3 - size;
    start = end + 1;
  }
  const u = rankSum - (n * (n + 1)) / 2;
  const total = n + v;
  const variance = ((n * v) / 12) * (total + 1 - ties / (total * (total - 1)));
  const z = variance > 0 ? (u - (n * v) / 2 - 0.5) / Math.sqrt(variance) : 0;
  const pValue = 0.5 * erfc(z / Math.SQRT2);
  return {
    test: "mann-whitney-u",
    n,
    validationN: v,
    auroc: u / (n * v),
    z,
    pValue,
    alpha: SITE_CHECK_ALPHA,
    unlikeTraining:
      n >= SITE_CHECK_MIN_IMAGES && v >= SITE_CHECK_MIN_VALIDATION
        ? pValue < SITE_CHECK_ALPHA
        : null,
  };
}
