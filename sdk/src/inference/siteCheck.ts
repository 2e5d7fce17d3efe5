/**
 * The site check (docs/interfaces.md section 1): does a set of images, as a whole, score higher on
 * the out-of-distribution score than the model's in-source validation images of every stratum
 * (source and label)? One image's score separates a new hospital's MRI from the training sources'
 * only loosely (AUROC 0.76-0.84 on held-out figshare), so the per-image warning fires on few of
 * them; a set gathers the evidence. The same test as training's `ood.site_check`, value for value.
 */
import erfc from "@stdlib/math-base-special-erfc";
import { InvalidInputError } from "../errors.ts";

/** The test's significance level: one false "unlike the training data" in 1000 in-source sets. */
export const SITE_CHECK_ALPHA = 0.001;
/** Fewer images get no verdict: the normal approximation is rough and the test has little power. */
export const SITE_CHECK_MIN_IMAGES = 10;
/**
 * A stratum with fewer validation scores takes no part in the verdict: the normal approximation
 * misleads both ways there (against 3 scores no set reaches p < 0.001; against 1, twenty tied
 * scores reach p = 1e-5 where the exact p is 1/21).
 */
export const SITE_CHECK_MIN_VALIDATION = 100;

/** One stratum's one-sided Mann-Whitney U test. */
export type StratumTest = {
  /** `"<source>/<label>"` of the model's validation images. */
  stratum: string;
  /** The stratum's validation scores the set was ranked against. */
  validationN: number;
  /** `U / (n V)`: the chance that an image of the set scores above one of the stratum's (0.5: alike). */
  auroc: number;
  /** `(U - n V / 2 - 0.5) / sigma`: the continuity-corrected, tie-corrected standard score of U. */
  z: number;
  /** One-sided: `erfc(z / sqrt 2) / 2` (normal approximation). */
  pValue: number;
};

export type SiteCheck = {
  test: "mann-whitney-u";
  /** Images in the set. */
  n: number;
  alpha: number;
  /**
   * The largest p over the strata of at least {@link SITE_CHECK_MIN_VALIDATION} scores (an
   * intersection-union test, Berger 1982); null when no stratum is that large.
   */
  pValue: number | null;
  /** The stratum of that p: the one the set is most like. */
  closestStratum: string | null;
  /**
   * `pValue < alpha`: unlike the validation images of every stratum; null (no verdict) under
   * {@link SITE_CHECK_MIN_IMAGES} images or without a p.
   */
  unlikeTraining: boolean | null;
  /** Every stratum's test, in name order. */
  strata: StratumTest[];
};

/**
 * The site check of `scores` (the set's OOD scores; NaN counts as +Infinity: no evidence of being
 * like the training data) against `validationScores` (the card's `ood.validationScores`: each
 * stratum's scores). A set of one stratum's kind (a held-back set of one source's tumor images) is
 * so compared with its own kind, not with the mix. Returns null when the set or every stratum is
 * empty. The images are taken as independent draws: slices of one patient are not, so one study
 * is not a site.
 * @throws InvalidInputError when a validation score is not a finite number.
 */
export function siteCheck(
  scores: readonly number[],
  validationScores: Readonly<Record<string, readonly number[]>>,
): SiteCheck | null {
  const strata = Object.entries(validationScores)
    .filter(([, reference]) => reference.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (scores.length === 0 || strata.length === 0) return null;
  const rows = strata.map(([stratum, reference]) => ({
    stratum,
    ...mannWhitney(scores, reference),
  }));
  const tested = rows.filter((row) => row.validationN >= SITE_CHECK_MIN_VALIDATION);
  const closest = tested.reduce<StratumTest | null>(
    (best, row) => (best === null || row.pValue > best.pValue ? row : best),
    null,
  );
  const pValue = closest?.pValue ?? null;
  return {
    test: "mann-whitney-u",
    n: scores.length,
    alpha: SITE_CHECK_ALPHA,
    pValue,
    closestStratum: closest?.stratum ?? null,
    unlikeTraining:
      pValue !== null && scores.length >= SITE_CHECK_MIN_IMAGES ? pValue < SITE_CHECK_ALPHA : null,
    strata: rows,
  };
}

/**
 * One-sided Mann-Whitney U test (Mann & Whitney 1947) that `scores` (non-empty) score higher than
 * `reference` (non-empty): normal approximation with the tie-corrected variance and a continuity
 * correction; NaN in `scores` counts as +Infinity.
 * @throws InvalidInputError when a reference score is not a finite number.
 */
export function mannWhitney(
  scores: readonly number[],
  reference: readonly number[],
): Omit<StratumTest, "stratum"> {
  if (!reference.every(Number.isFinite)) {
    throw new InvalidInputError("The card's ood.validationScores must all be finite numbers.");
  }
  const n = scores.length;
  const v = reference.length;
  const all = [
    ...scores.map((s) => ({ value: Number.isNaN(s) ? Infinity : s, inSet: true })),
    ...reference.map((value) => ({ value, inSet: false })),
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
  return { validationN: v, auroc: u / (n * v), z, pValue: 0.5 * erfc(z / Math.SQRT2) };
}
