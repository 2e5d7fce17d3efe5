"""Classification metrics as fractions in [0, 1]: binary (positive class = index 1) and K-class
(macro averages, one-vs-rest AUC, per class; docs/interfaces.md section 14)."""

from __future__ import annotations

import numpy as np


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float | None:
    """Mann-Whitney form of ROC-AUC with tied scores counted half; None when one class is absent."""
    y_true = np.asarray(y_true).astype(bool)
    n_pos, n_neg = int(y_true.sum()), int((~y_true).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(score, kind="mergesort")
    s = np.asarray(score)[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y_true].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_metrics(y_true, prob_positive) -> dict:
    """accuracy, precision, recall, f1, auc, n, confusion (rows = true, columns = predicted)."""
    y_true = np.asarray(y_true).astype(int)
    prob = np.asarray(prob_positive, dtype=np.float64)
    pred = (prob >= 0.5).astype(int)
    tp = int(((pred == 1) & (y_true == 1)).sum())
    tn = int(((pred == 0) & (y_true == 0)).sum())
    fp = int(((pred == 1) & (y_true == 0)).sum())
    fn = int(((pred == 0) & (y_true == 1)).sum())
    n = len(y_true)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "accuracy": (tp + tn) / n if n else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "auc": roc_auc(y_true, prob),
        "n": n,
        "confusion": [[tn, fp], [fn, tp]],
    }


def multiclass_metrics(y_true, prob, labels) -> dict:
    """K-class metrics of the argmax of prob [n, K] against y_true [n] (indices into labels; `labels`
    is the list of names, or K). Returns accuracy; precision, recall, f1, specificity (one-vs-rest)
    as macro averages and auc as the macro one-vs-rest AUC, each over the classes present in the
    true labels or the predictions (auc: over those whose AUC is defined; None when none is); n;
    confusion K x K (rows true, columns predicted); perClass {name: precision, recall, f1, auc|None,
    support} for every label. A class without predictions has precision 0, without images recall 0."""
    names = [str(i) for i in range(labels)] if isinstance(labels, int) else list(labels)
    k = len(names)
    y_true = np.asarray(y_true).astype(int)
    prob = np.asarray(prob, dtype=np.float64).reshape(len(y_true), k)
    pred = prob.argmax(1) if len(y_true) else np.zeros(0, dtype=int)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y_true, pred), 1)
    n = len(y_true)
    per_class, present, spec = {}, [], []
    for c, name in enumerate(names):
        tp = int(confusion[c, c])
        fp = int(confusion[:, c].sum()) - tp
        fn = int(confusion[c].sum()) - tp
        tn = n - tp - fp - fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": f1,
                           "auc": roc_auc(y_true == c, prob[:, c]), "support": tp + fn}
        if tp + fn or tp + fp:
            present.append(name)
            spec.append(tn / (tn + fp) if tn + fp else 0.0)
    macro = lambda key: float(np.mean([per_class[c][key] for c in present])) if present else 0.0  # noqa: E731
    aucs = [per_class[c]["auc"] for c in present if per_class[c]["auc"] is not None]
    return {
        "accuracy": float(np.trace(confusion) / n) if n else 0.0,
        "precision": macro("precision"),
        "recall": macro("recall"),
        "f1": macro("f1"),
        "auc": float(np.mean(aucs)) if aucs else None,
        "n": n,
        "confusion": confusion.tolist(),
        "specificity": float(np.mean(spec)) if spec else 0.0,
        "perClass": per_class,
    }
