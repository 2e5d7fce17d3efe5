"""Out-of-distribution score (docs/interfaces.md section 1, card `ood`): a diagonal Mahalanobis
distance of the globally pooled features from the training images' feature statistics."""

from __future__ import annotations

import numpy as np

METHOD = "gap-diagonal-mahalanobis"
PERCENTILE = 99.0
VAR_FLOOR = 1e-6  # a channel that never varies on the training images would divide by zero


def pooled(features: np.ndarray) -> np.ndarray:
    """features [B, C, h, w] -> g [B, C] (float64): mean over the feature map."""
    return np.asarray(features, dtype=np.float64).mean(axis=(2, 3))


def fit_stats(g_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and population variance (floored) of the training images' pooled features."""
    return g_train.mean(axis=0), np.maximum(g_train.var(axis=0), VAR_FLOOR)


def scores(g: np.ndarray, mean, var) -> np.ndarray:
    """(1 / C) * sum_c (g[c] - mean[c])^2 / var[c] for each row of g [B, C]."""
    return (((g - np.asarray(mean)) ** 2) / np.asarray(var)).mean(axis=1)


def ood_section(g_train: np.ndarray, g_val: np.ndarray, held_out_auroc: float | None, percentile: float = PERCENTILE) -> dict:
    """The card's `ood`: statistics from training images, threshold = percentile of validation scores."""
    mean, var = fit_stats(g_train)
    threshold = float(np.percentile(scores(g_val, mean, var), percentile))
    return {
        "method": METHOD,
        "mean": [float(v) for v in mean],
        "var": [float(v) for v in var],
        "threshold": threshold,
        "percentile": percentile,
        "heldOutAuroc": held_out_auroc,
    }
