"""How readable a tumor image's source is from the model's pooled features (bench diagnostic).

A model whose features tell "a figshare slice" from "a Br35H slice" among tumor images can use that
instead of the tumor: figshare has tumors only. This fits a logistic regression (standardised
features, L2 1e-2, L-BFGS) from the pooled features of one side's tumor images (validation) to their
source and reports its AUROC on another side's (test). The sides share no near-duplicate group and
no figshare patient fold, so the read-out cannot learn a patient. 0.5: the source cannot be read
linearly; 1: perfectly. A linear read-out is what the model's own head can do with the features.
Two sources of tumors only (otherwise None).
"""

from __future__ import annotations

import numpy as np
import torch

from .metrics import roc_auc

L2 = 1e-2


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    xt, yt = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, yt) + L2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach()


def source_readability(fit_pooled: np.ndarray, fit_source: np.ndarray, test_pooled: np.ndarray, test_source: np.ndarray) -> dict | None:
    """Fit the read-out on one side's tumor images (pooled [n, C], source [n] source index) and
    measure it on another side's (group-disjoint, e.g. validation -> test). Returns {auroc, nFit,
    nTest, method}, or None unless both sides hold tumor images of exactly the same two sources."""
    values = np.unique(fit_source)
    if len(values) != 2 or not np.array_equal(values, np.unique(test_source)):
        return None
    mean, std = fit_pooled.mean(0), fit_pooled.std(0) + 1e-8
    w, b = _logistic((fit_pooled - mean) / std, (fit_source == values[1]).astype(np.float64))
    score = (torch.as_tensor((test_pooled - mean) / std, dtype=torch.float64) @ w + b).numpy()
    return {"auroc": float(roc_auc(test_source == values[1], score)), "nFit": int(len(fit_source)), "nTest": int(len(test_source)),
            "method": f"logistic regression (L2 {L2:g}) from standardised pooled features to source, fitted on the validation "
                      "side's tumor images, AUROC on the test side's"}
