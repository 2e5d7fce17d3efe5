/**
 * The out-of-distribution score of card v2 models (docs/interfaces.md section 1), from the image's
 * pooled features `g` (the `features` map averaged over h x w).
 * - `gap-cosine-or-mahalanobis` (current cards): two detectors, each scaled by the 99th percentile
 *   of its validation scores. The cosine distance to the nearest prototype (deep nearest-neighbour
 *   OOD, Sun et al. 2022, against cluster means of the training features) sees a new site; the
 *   Mahalanobis distance with the full covariance (Lee et al. 2018), counted once it passes its
 *   scale, sees features of an MRI's direction but far too long (a checkerboard).
 * - `gap-mahalanobis` (earlier cards): the Mahalanobis part alone, unscaled.
 * - `gap-diagonal-mahalanobis` (the first cards): its diagonal only.
 */
import { InvalidInputError } from "../errors.ts";

/** What the score needs from the card (`card.ood`). */
export type OodSpec = {
  /** Absent: the diagonal score (the first cards carried no method here). */
  method?: "gap-cosine-or-mahalanobis" | "gap-mahalanobis" | "gap-diagonal-mahalanobis";
  mean: readonly number[];
  var: readonly number[];
  /** C x C, row-major (every method but the diagonal one). */
  precision?: readonly (readonly number[])[];
  /** `gap-cosine-or-mahalanobis`: M x C. */
  prototypes?: readonly (readonly number[])[];
  /** `gap-cosine-or-mahalanobis`: what each part is divided by. */
  cosineScale?: number;
  mahalanobisScale?: number;
  threshold: number;
};

export type OodResult = {
  /**
   * `gap-cosine-or-mahalanobis`: `max(cosine / cosineScale, q / mahalanobisScale if that is > 1,
   * else 0)`, cosine = `1 - max_m cos(g, prototypes[m])` (1 for an all-zero `g`);
   * `gap-mahalanobis`: `q = (1 / C) * (g - mean)^T precision (g - mean)`;
   * diagonal: `(1 / C) * sum_c (g[c] - mean[c])^2 / var[c]`.
   */
  score: number;
  /** The card's threshold. */
  threshold: number;
  /** `score > threshold`: the image is unlike the training data; show a warning with the score. */
  outOfDistribution: boolean;
};

/**
 * An OOD score or threshold as people read it: 3 significant figures (scores of different methods
 * range from below 0.1 to the thousands; 2 decimals would hide a gap or waste digits).
 */
export function formatOodFigure(value: number): string {
  return value.toPrecision(3);
}

/**
 * Scores the `features` output `[1, C, h, w]` against the card's statistics.
 * Throws {@link InvalidInputError} when the channel count differs from the card's, or when the
 * card lacks what its method needs.
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
  const g = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) sum += features[i] as number;
    g[c] = sum / plane;
  }
  const score = scorePooled(g, spec, channels);
  // A score that is not a number (non-finite features) is no evidence of being in distribution.
  return { score, threshold: spec.threshold, outOfDistribution: !(score <= spec.threshold) };
}

function scorePooled(g: Float64Array, spec: OodSpec, channels: number): number {
  if (spec.method === "gap-cosine-or-mahalanobis") {
    const { cosineScale, mahalanobisScale } = spec;
    if (!(cosineScale && cosineScale > 0 && mahalanobisScale && mahalanobisScale > 0)) {
      throw new InvalidInputError(
        "The card's OOD method gap-cosine-or-mahalanobis needs positive cosineScale and mahalanobisScale.",
      );
    }
    const q = mahalanobis(g, spec, channels) / mahalanobisScale;
    return Math.max(cosineDistance(g, spec, channels) / cosineScale, q > 1 ? q : 0);
  }
  if (spec.method === "gap-mahalanobis") return mahalanobis(g, spec, channels);
  if (spec.method !== undefined && spec.method !== "gap-diagonal-mahalanobis") {
    throw new InvalidInputError(
      `Unknown OOD method ${JSON.stringify(spec.method)} (known: gap-cosine-or-mahalanobis, gap-mahalanobis, gap-diagonal-mahalanobis).`,
    );
  }
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const d = (g[c] as number) - (spec.mean[c] as number);
    sum += (d * d) / (spec.var[c] as number);
  }
  return sum / channels;
}

/** `(1 / C) * d^T precision d`, `d = g - mean`, with the card's precision matrix. */
function mahalanobis(g: Float64Array, spec: OodSpec, channels: number): number {
  const precision = spec.precision;
  if (precision?.length !== channels || precision.some((row) => row.length !== channels)) {
    throw new InvalidInputError(
      `The card's OOD precision matrix is not ${channels} x ${channels} (one row and column per feature channel).`,
    );
  }
  const d = g.map((v, c) => v - (spec.mean[c] as number));
  let sum = 0;
  for (let i = 0; i < channels; i++) {
    const row = precision[i] as readonly number[];
    let r = 0;
    for (let j = 0; j < channels; j++) r += (row[j] as number) * (d[j] as number);
    sum += (d[i] as number) * r;
  }
  return sum / channels;
}

/** `1 - max_m (g . p_m) / (|g| |p_m|)` over the card's prototypes; 1 when `g` is all zero. */
function cosineDistance(g: Float64Array, spec: OodSpec, channels: number): number {
  const prototypes = spec.prototypes;
  if (!prototypes?.length || prototypes.some((row) => row.length !== channels)) {
    throw new InvalidInputError(
      `The card's OOD prototypes are not M x ${channels} (one value per feature channel in each of at least one prototype).`,
    );
  }
  const norm = Math.hypot(...g);
  if (norm === 0) return 1;
  let best = -Infinity;
  for (const row of prototypes) {
    let dot = 0;
    let square = 0;
    for (let c = 0; c < channels; c++) {
      dot += (row[c] as number) * (g[c] as number);
      square += (row[c] as number) * (row[c] as number);
    }
    best = Math.max(best, dot / (norm * Math.sqrt(square)));
  }
  return 1 - best;
}
