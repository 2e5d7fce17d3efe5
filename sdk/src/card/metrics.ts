import { InvalidInputError } from "../errors.ts";
import type { ClassMetrics, ModelMetrics } from "./schema.ts";

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

/** Index of the first maximum (ties go to the earlier label, as numpy's argmax). */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

const ratio = (a: number, b: number) => (b ? a / b : 0);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** One label against the rest, from the K x K confusion matrix. */
function oneVsRest(confusion: readonly (readonly number[])[], k: number, n: number) {
  const tp = confusion[k]?.[k] as number;
  const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
  const predicted = confusion.reduce((sum, row) => sum + (row[k] as number), 0);
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, support);
  const negatives = n - support;
  return {
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    specificity: ratio(negatives - (predicted - tp), negatives),
    support,
    predicted,
  };
}

/**
 * The model card's metrics for K labels (docs/interfaces.md section 14), exactly as training's
 * `multiclass_metrics`: the predicted label is the most probable one (first on ties); confusion
 * K x K (rows true, columns predicted, `labels` order); per label precision, recall, F1 (0 where
 * undefined), one-vs-rest AUC of that label's probability (null when the set lacks the label or
 * holds nothing else) and support. `precision`, `recall`, `f1` and `specificity` are macro means
 * over the labels present (in the truth or the predictions; as scikit-learn's default), `auc` the
 * mean of the defined per-label AUCs of those labels (null when none is). `truth` holds label
 * indices, `probabilities` one row of K per image.
 * Throws {@link InvalidInputError} when the lengths differ, a row is not K long, or a label index
 * is out of range.
 *
 * @example
 * const m = multiclassMetrics([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], ["a", "b", "c"]);
 * m.perClass.a.recall; // 1
 */
export function multiclassMetrics(
  truth: readonly number[],
  probabilities: readonly (readonly number[])[],
  labels: readonly string[],
): ModelMetrics & { specificity: number; perClass: Record<string, ClassMetrics> } {
  checkMulticlassInput(truth, probabilities, labels.length);
  const k = labels.length;
  const confusion = labels.map(() => new Array<number>(k).fill(0));
  truth.forEach((t, i) => {
    const row = confusion[t] as number[];
    const p = argmax(probabilities[i] as number[]);
    row[p] = (row[p] as number) + 1;
  });
  const n = truth.length;
  const perClass: Record<string, ClassMetrics> = {};
  const present: (ClassMetrics & { specificity: number })[] = [];
  labels.forEach((label, c) => {
    const { precision, recall, f1, support, specificity, predicted } = oneVsRest(confusion, c, n);
    const auc = rocAuc(
      truth.map((t) => (t === c ? 1 : 0)),
      probabilities.map((row) => row[c] as number),
    );
    // Key order as training writes it (the cli's --json equals `training evaluate --json`).
    const figures = { precision, recall, f1, auc, support };
    perClass[label] = figures;
    if (support > 0 || predicted > 0) present.push({ ...figures, specificity });
  });
  const macro = (pick: (c: (typeof present)[number]) => number) =>
    present.length ? mean(present.map(pick)) : 0;
  const aucs = present.flatMap((c) => (c.auc === null ? [] : [c.auc]));
  return {
    accuracy: ratio(
      confusion.reduce((sum, row, c) => sum + (row[c] as number), 0),
      n,
    ),
    precision: macro((c) => c.precision),
    recall: macro((c) => c.recall),
    f1: macro((c) => c.f1),
    auc: aucs.length ? mean(aucs) : null,
    n,
    confusion,
    specificity: macro((c) => c.specificity),
    perClass,
  };
}

function checkMulticlassInput(
  truth: readonly number[],
  probabilities: readonly (readonly number[])[],
  k: number,
): void {
  if (k < 2) throw new InvalidInputError(`Metrics need at least 2 labels, got ${k}.`);
  if (truth.length !== probabilities.length) {
    throw new InvalidInputError(
      `${truth.length} labels for ${probabilities.length} rows of probabilities.`,
    );
  }
  const badRow = probabilities.findIndex((row) => row.length !== k);
  if (badRow >= 0) {
    throw new InvalidInputError(
      `Image ${badRow} has ${probabilities[badRow]?.length} probabilities for ${k} labels.`,
    );
  }
  if (truth.some((t) => !Number.isInteger(t) || t < 0 || t >= k))
    throw new InvalidInputError(`Labels must be indices 0..${k - 1}.`);
}

/** What an evaluation records on chain (EvaluationParams' figures, fractions and counts). */
export type EvaluationSummary = {
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  f1: number;
  auc: number | null;
  /** Images with a tumor: every label but the task's tumor-free one. */
  positives: number;
  /** Images of the tumor-free label. */
  negatives: number;
};

/**
 * The figures an evaluation submits (docs/interfaces.md sections 12 and 14) from a metrics object
 * of K labels: binary (`positiveLabel` set, K = 2) the positive class's precision/recall, the
 * negative class's recall as specificity; K > 2 the macro figures (`metrics.specificity` required).
 * `positives` = images of every label but `tumorFreeLabel`, `negatives` = images of it.
 * Throws {@link InvalidInputError} when `tumorFreeLabel` is not a label or a K-label object lacks
 * its macro specificity.
 */
export function evaluationSummary(
  metrics: ModelMetrics,
  labels: readonly string[],
  positiveLabel: string | null,
  tumorFreeLabel: string,
): EvaluationSummary {
  const free = labels.indexOf(tumorFreeLabel);
  if (free < 0) {
    throw new InvalidInputError(
      `No tumor-free label "${tumorFreeLabel}" among the labels ${labels.join(", ")}.`,
    );
  }
  const rows = metrics.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const negatives = rows[free] ?? 0;
  const positives = rows.reduce((a, b) => a + b, 0) - negatives;
  const { accuracy, precision, recall, f1, auc } = metrics;
  if (positiveLabel !== null && labels.length === 2) {
    const negative = labels.findIndex((label) => label !== positiveLabel);
    const row = metrics.confusion[negative] as number[];
    const specificity = ratio(row[negative] as number, rows[negative] as number);
    return { accuracy, precision, recall, specificity, f1, auc, positives, negatives };
  }
  if (metrics.specificity === undefined) {
    throw new InvalidInputError("K-label metrics without their macro specificity.");
  }
  const { specificity } = metrics;
  return { accuracy, precision, recall, specificity, f1, auc, positives, negatives };
}
