/**
 * The out-of-distribution score of card v2 models (docs/interfaces.md section 1): a Mahalanobis
 * distance of the image's pooled features from the training set's, with the full covariance
 * (`gap-mahalanobis`, Lee et al. 2018) or its diagonal (`gap-diagonal-mahalanobis`, older cards).
 */
import { InvalidInputError } from "../errors.ts";

/** What the score needs from the card (`card.ood`). */
export type OodSpec = {
  /** Absent: the diagonal score (the first cards carried no method here). */
  method?: "gap-mahalanobis" | "gap-diagonal-mahalanobis";
  mean: readonly number[];
  var: readonly number[];
  /** `gap-mahalanobis`: C x C, row-major. */
  precision?: readonly (readonly number[])[];
  threshold: number;
};

export type OodResult = {
  /**
   * `(1 / C) * (g - mean)^T precision (g - mean)` (`gap-mahalanobis`), or
   * `(1 / C) * sum_c (g[c] - mean[c])^2 / var[c]` (diagonal); `g` = features averaged over the map.
   */
  score: number;
  /** The card's threshold. */
  threshold: number;
  /** `score > threshold`: the image is unlike the training data; show a warning with the score. */
  outOfDistribution: boolean;
};

/**
 * Scores the `features` output `[1, C, h, w]` against the card's statistics.
 * Throws {@link InvalidInputError} when the channel count differs from the card's.
 */
export function oodScore(
  features: Float32Array,
  dims: readonly number[],
  spec: OodSpec,
): OodResult {
  if (dims.length !== 4 || dims[0] !== 1) {
    throw new InvalidInputError(
      `Expected features of shape [1, C, h, w], got [${dims.join(", ")}].`,
    );
  }
  const [, channels, height, width] = dims as [number, number, number, number];
  const plane = height * width;
  if (features.length !== channels * plane) {
    throw new InvalidInputError(
      `Features hold ${features.length} values, expected ${channels * plane}.`,
    );
  }
  if (spec.mean.length !== channels || spec.var.length !== channels) {
    throw new InvalidInputError(
      `The card's OOD statistics have ${spec.mean.length} means and ${spec.var.length} variances for ${channels} feature channels.`,
    );
  }
  const d = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let g = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) g += features[i] as number;
    d[c] = g / plane - (spec.mean[c] as number);
  }
  const score = quadraticForm(d, spec, channels) / channels;
  // A score that is not a number (non-finite features) is no evidence of being in distribution.
  return { score, threshold: spec.threshold, outOfDistribution: !(score <= spec.threshold) };
}

/** `d^T precision d` with the card's precision matrix, or `sum_c d[c]^2 / var[c]` (diagonal). */
function quadraticForm(d: Float64Array, spec: OodSpec, channels: number): number {
  let sum = 0;
  if (spec.method !== "gap-mahalanobis") {
    for (let c = 0; c < channels; c++) sum += ((d[c] as number) * (d[c] as number)) / (spec.var[c] as number);
    return sum;
  }
  const precision = spec.precision;
  if (precision?.length !== channels || precision.some((row) => row.length !== channels)) {
    throw new InvalidInputError(
      `The card's OOD precision matrix is not ${channels} x ${channels} (one row and column per feature channel).`,
    );
  }
  for (let i = 0; i < channels; i++) {
    const row = precision[i] as readonly number[];
    let r = 0;
    for (let j = 0; j < channels; j++) r += (row[j] as number) * (d[j] as number);
    sum += (d[i] as number) * r;
  }
  return sum;
}
