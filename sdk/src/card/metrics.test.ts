import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { binaryMetrics, evaluationSummary, multiclassMetrics, rocAuc } from "./metrics.ts";
import { exampleTypeCard } from "./testing/exampleCard.ts";

describe("binary metrics (as training/metrics.py)", () => {
  it("counts the confusion matrix with the 0.5 threshold", () => {
    const m = binaryMetrics([0, 0, 1, 1, 1], [0.1, 0.6, 0.5, 0.9, 0.2]);
    assert.deepEqual(m.confusion, [
      [1, 1],
      [1, 2],
    ]);
    assert.equal(m.accuracy, 3 / 5);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
    assert.equal(m.n, 5);
  });

  it("computes AUC with ties counted half, null for one class", () => {
    assert.equal(rocAuc([0, 1], [0.2, 0.8]), 1);
    assert.equal(rocAuc([0, 1], [0.8, 0.2]), 0);
    assert.equal(rocAuc([0, 1], [0.5, 0.5]), 0.5);
    // pairs (neg, pos): (0.1,0.4)=1 (0.1,0.35)=1 (0.4,0.4)=0.5 (0.4,0.35)=0 -> 2.5 / 4
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.35]), 0.625);
    assert.equal(rocAuc([1, 1], [0.1, 0.2]), null);
    assert.equal(binaryMetrics([1, 1], [0.1, 0.9]).auc, null);
  });

  it("handles empty input and refuses bad labels", () => {
    assert.deepEqual(binaryMetrics([], []), {
      accuracy: 0,
      precision: 0,
      recall: 0,
      f1: 0,
      auc: null,
      n: 0,
      confusion: [
        [0, 0],
        [0, 0],
      ],
    });
    assert.throws(() => binaryMetrics([2], [0.5]), InvalidInputError);
    assert.throws(() => binaryMetrics([1], []), InvalidInputError);
  });
});

const close = (a: number | null | undefined, b: number, what: string) =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe("K-class metrics (docs/interfaces.md section 14)", () => {
  const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
  /** One probability row that predicts `k` with `p` and spreads the rest. */
  const row = (k: number, p: number) => labels.map((_, i) => (i === k ? p : (1 - p) / 3));

  it("counts the K x K confusion by the most probable label and gives per-class and macro figures", () => {
    // The example type card's matrix: rows true, columns predicted.
    const expected = exampleTypeCard().metrics.test;
    const truth: number[] = [];
    const probabilities: number[][] = [];
    for (const [t, counts] of expected.confusion.entries())
      for (const [p, count] of counts.entries())
        for (let i = 0; i < count; i++) {
          truth.push(t);
          probabilities.push(row(p, 0.4 + 0.01 * i));
        }
    const m = multiclassMetrics(truth, probabilities, labels);
    assert.deepEqual(m.confusion, expected.confusion);
    assert.equal(m.n, 40);
    assert.equal(m.accuracy, 36 / 40);
    for (const label of labels) {
      const mine = m.perClass[label];
      const theirs = expected.perClass[label as keyof typeof expected.perClass];
      for (const key of ["precision", "recall", "f1"] as const)
        close(mine?.[key], theirs[key], `${label} ${key}`);
      assert.equal(mine?.support, theirs.support);
    }
    close(m.precision, expected.precision, "macro precision");
    close(m.recall, expected.recall, "macro recall");
    close(m.f1, expected.f1, "macro f1");
    close(m.specificity, 29 / 30, "macro specificity");
  });

  it("computes one-vs-rest AUC per class from that class's probability, macro AUC null when a class is absent", () => {
    // 3 labels, 4 images: truth 0, 1, 2, 2.
    const labels3 = ["a", "b", "c"];
    const probabilities = [
      [0.6, 0.3, 0.1],
      [0.5, 0.4, 0.1], // a b image predicted a
      [0.2, 0.2, 0.6],
      [0.1, 0.1, 0.8],
    ];
    const m = multiclassMetrics([0, 1, 2, 2], probabilities, labels3);
    assert.deepEqual(m.confusion, [
      [1, 0, 0],
      [1, 0, 0],
      [0, 0, 2],
    ]);
    // a vs rest: scores of a 0.6 (pos) against 0.5, 0.2, 0.1 -> 1
    assert.equal(m.perClass.a?.auc, 1);
    // b vs rest: 0.4 (pos) against 0.3, 0.2, 0.1 -> 1
    assert.equal(m.perClass.b?.auc, 1);
    // c vs rest: 0.6, 0.8 (pos) against 0.1, 0.1 -> 1
    assert.equal(m.perClass.c?.auc, 1);
    assert.equal(m.auc, 1);
    // b: never predicted, recall 0, precision 0 (0/0), F1 0
    assert.deepEqual(m.perClass.b, { precision: 0, recall: 0, f1: 0, auc: 1, support: 1 });
    // a: precision 1/2, recall 1, F1 2/3; c: 1, 1, 1 -> macro F1 (2/3 + 0 + 1) / 3
    close(m.f1, (2 / 3 + 1) / 3, "macro f1");
    // specificities: a 2/3 (one b image called a), b 3/3, c 2/2 -> mean
    close(m.specificity, (2 / 3 + 1 + 1) / 3, "macro specificity");
    const noB = multiclassMetrics(
      [0, 2],
      [probabilities[0], probabilities[2]] as number[][],
      labels3,
    );
    assert.equal(noB.perClass.b?.auc, null);
    assert.equal(noB.perClass.b?.support, 0);
    // b is neither in the truth nor predicted: left out of the macro means (as training, sklearn)
    assert.equal(noB.auc, 1);
    assert.equal(noB.f1, 1);
    assert.equal(noB.specificity, 1);
    // a label present only among the predictions counts (precision 0, recall 0, specificity 1/2)
    const calledB = multiclassMetrics(
      [0, 2],
      [
        [0.2, 0.7, 0.1],
        [0.1, 0.2, 0.7],
      ],
      labels3,
    );
    close(calledB.f1, (0 + 0 + 1) / 3, "f1 over a, b, c");
    close(calledB.specificity, (1 + 1 / 2 + 1) / 3, "specificity over a, b, c");
    // AUC: a defined (1 vs 0.1 -> pos 0.2 > 0.1: 1), b undefined (absent), c 1
    assert.equal(calledB.perClass.b?.auc, null);
    assert.equal(calledB.auc, 1);
    const oneClass = multiclassMetrics(
      [0, 0],
      [
        [0.9, 0.05, 0.05],
        [0.8, 0.1, 0.1],
      ],
      labels3,
    );
    assert.equal(oneClass.auc, null, "no label with a defined AUC: null");
  });

  it("breaks ties towards the earlier label and refuses malformed input", () => {
    const m = multiclassMetrics([1], [[0.4, 0.4, 0.2]], ["a", "b", "c"]);
    assert.deepEqual(m.confusion[1], [1, 0, 0]);
    assert.throws(
      () => multiclassMetrics([0], [[0.5, 0.5]], ["a", "b", "c"]),
      /2 probabilities for 3 labels/,
    );
    assert.throws(
      () => multiclassMetrics([3], [[0.2, 0.3, 0.5]], ["a", "b", "c"]),
      InvalidInputError,
    );
    assert.throws(
      () => multiclassMetrics([0, 1], [[0.2, 0.3, 0.5]], ["a", "b", "c"]),
      InvalidInputError,
    );
    assert.throws(() => multiclassMetrics([0], [[1]], ["a"]), /at least 2 labels/);
    const empty = multiclassMetrics([], [], ["a", "b", "c"]);
    assert.equal(empty.n, 0);
    assert.equal(empty.accuracy, 0);
    assert.equal(empty.auc, null);
  });
});

describe("evaluation summary (what evaluate --submit records)", () => {
  it("binary: the positive class's figures, the negative class's recall as specificity", () => {
    const m = binaryMetrics([0, 0, 1, 1, 1], [0.1, 0.6, 0.5, 0.9, 0.2]);
    const s = evaluationSummary(m, ["no", "yes"], "yes", "no");
    assert.equal(s.specificity, 1 / 2);
    assert.equal(s.positives, 3);
    assert.equal(s.negatives, 2);
    assert.equal(s.f1, m.f1);
  });

  it("K labels: the macro figures, positives = tumor images of any type, negatives = no_tumor", () => {
    const m = exampleTypeCard().metrics.test;
    const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
    const s = evaluationSummary(m, labels, null, "no_tumor");
    assert.deepEqual(s, {
      accuracy: m.accuracy,
      precision: m.precision,
      recall: m.recall,
      specificity: m.specificity,
      f1: m.f1,
      auc: m.auc,
      positives: 30,
      negatives: 10,
    });
    assert.throws(() => evaluationSummary(m, labels, null, "no"), /No tumor-free label "no"/);
    const { specificity: _, ...bare } = m;
    assert.throws(() => evaluationSummary(bare, labels, null, "no_tumor"), /macro specificity/);
  });
});
