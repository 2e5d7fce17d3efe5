/**
 * The out-of-distribution score of card v2 models (docs/interfaces.md section 1): a diagonal
 * Mahalanobis distance of the image's pooled features from the training set's.
 */
import { InvalidInputError } from "../errors.ts";

/** What the score needs from the card (`card.ood`). */
export type OodSpec = { mean: readonly number[]; var: readonly number[]; threshold: number };

export type OodResult = {
  /** `(1 / C) * sum_c (g[c] - mean[c])^2 / var[c]`, `g` = features averaged over the map. */
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
  let score = 0;
  for (let c = 0; c < channels; c++) {
    let g = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) g += features[i] as number;
    g /= plane;
    const d = g - (spec.mean[c] as number);
    score += (d * d) / (spec.var[c] as number);
  }
  score /= channels;
  // A score that is not a number (non-finite features) is no evidence of being in distribution.
  return { score, threshold: spec.threshold, outOfDistribution: !(score <= spec.threshold) };
}
