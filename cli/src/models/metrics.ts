/**
 * Binary classification metrics exactly as training/ computes them (neuroledger_training/metrics.py):
 * positive class = index 1, threshold 0.5, fractions in [0, 1], AUC by Mann-Whitney with ties
 * counted half (null when one class is absent), confusion rows = true, columns = predicted.
 */
export interface BinaryMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auc: number | null;
  n: number;
  confusion: [[number, number], [number, number]];
}

export function binaryMetrics(
  yTrue: readonly number[],
  probPositive: readonly number[],
): BinaryMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const pred = (probPositive[i] as number) >= 0.5 ? 1 : 0;
    const y = yTrue[i];
    if (pred === 1 && y === 1) tp++;
    else if (pred === 0 && y === 0) tn++;
    else if (pred === 1) fp++;
    else fn++;
  }
  const n = yTrue.length;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    accuracy: n ? (tp + tn) / n : 0,
    precision,
    recall,
    f1,
    auc: rocAuc(yTrue, probPositive),
    n,
    confusion: [
      [tn, fp],
      [fn, tp],
    ],
  };
}

export function rocAuc(yTrue: readonly number[], score: readonly number[]): number | null {
  const nPos = yTrue.filter((y) => y === 1).length;
  const nNeg = yTrue.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const order = score.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ranks = new Array<number>(score.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (
      j + 1 < order.length &&
      (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++;
    for (let k = i; k <= j; k++)
      ranks[(order[k] as readonly [number, number])[1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let sumPos = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === 1) sumPos += ranks[i] as number;
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
