import { InvalidInputError } from "../errors.ts";
import type { ModelMetrics } from "./schema.ts";

/**
 * ROC-AUC in its Mann-Whitney form, tied scores counted half (average ranks), as training's
 * `metrics.roc_auc`; null when one class is absent.
 */
export function rocAuc(truth: readonly number[], scores: readonly number[]): number | null {
  const positives = truth.filter((t) => t === 1).length;
  const negatives = truth.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores
    .map((_, i) => i)
    .sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number])
      j++;
    for (let k = i; k <= j; k++) ranks[order[k] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let positiveRanks = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === 1) positiveRanks += ranks[i] as number;
  return (positiveRanks - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Counts of true/false positives/negatives, predicting positive when p >= 0.5. */
function confusionCounts(truth: readonly number[], probabilities: readonly number[]) {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const predicted = (probabilities[i] as number) >= 0.5 ? 1 : 0;
    if (predicted === 1 && truth[i] === 1) tp++;
    else if (predicted === 0 && truth[i] === 0) tn++;
    else if (predicted === 1) fp++;
    else fn++;
  }
  return { tp, tn, fp, fn };
}

/**
 * The model card's metrics for a binary task, exactly as training's `binary_metrics`: predicted
 * positive when p >= 0.5; confusion rows = true label, columns = predicted, `[[tn, fp], [fn, tp]]`.
 * `truth` holds label indices (0 = "no", 1 = "yes"), `probabilities` the positive-class probability.
 *
 * @example
 * const metrics = binaryMetrics([0, 1, 1], [0.2, 0.9, 0.4]); // accuracy 2/3, recall 1/2, ...
 */
export function binaryMetrics(
  truth: readonly number[],
  probabilities: readonly number[],
): ModelMetrics {
  if (truth.length !== probabilities.length) {
    throw new InvalidInputError(
      `${truth.length} labels for ${probabilities.length} probabilities.`,
    );
  }
  if (truth.some((t) => t !== 0 && t !== 1)) throw new InvalidInputError("Labels must be 0 or 1.");
  const { tp, tn, fp, fn } = confusionCounts(truth, probabilities);
  const n = truth.length;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    accuracy: n ? (tp + tn) / n : 0,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    auc: rocAuc(truth, probabilities),
    n,
    confusion: [
      [tn, fp],
      [fn, tp],
    ],
  };
}
