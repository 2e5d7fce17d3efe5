"""The type task's tumor cut-off (issue 15): one scalar offset b added to the tumor head's "no" logit,
chosen on the VALIDATION side by the criterion early stopping already uses (train.type_validation:
the mean of the four class recalls and the share of untyped tumors called any tumor), then baked
into the tumor head's bias so the ONNX logits, the class maps' readers and every figure follow."""

from __future__ import annotations

import numpy as np
import torch

from .model import TumorTypeCNN
from .train import infer, type_validation

# Offsets tried, in logits of the tumor head: wide enough to move a confident head either way.
OFFSET_GRID = np.round(np.arange(-8.0, 8.0 + 1e-9, 0.05), 2)


def head_logits(model: TumorTypeCNN, pooled: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Pooled features [n, C] (infer's `pooled`) -> (tumor logits [n, 2], type logits [n, 3]), float64:
    the heads of the model in eval mode (no dropout)."""
    f = torch.as_tensor(pooled, dtype=torch.float64)
    t_w, t_b = model.tumor_head.weight.detach().double(), model.tumor_head.bias.detach().double()
    y_w, y_b = model.type_head.weight.detach().double(), model.type_head.bias.detach().double()
    tumor = f @ t_w.T + t_b
    kind = f @ y_w.T + y_b
    return tumor, kind


def offset_probabilities(tumor: torch.Tensor, kind: torch.Tensor, b: float) -> np.ndarray:
    """Class probabilities [n, 4] (label order) of the two heads with b added to the "no" logit."""
    shifted = tumor + torch.tensor([b, 0.0], dtype=tumor.dtype)
    return TumorTypeCNN.combine(shifted, kind).exp().numpy()


def choose_no_offset(tumor: torch.Tensor, kind: torch.Tensor, y: np.ndarray, grid: np.ndarray = OFFSET_GRID) -> dict:
    """The offset b of the grid with the best criterion (type_validation's score) on these images,
    which must be the VALIDATION side (data labels y, untyped tumors included). The criterion is a
    step function of b: among the best offsets, 0 if it is one (no change without a gain), else the
    middle of the run of consecutive best offsets nearest 0.

    Returns {"offset", "score", "scoreAtZero", "grid": [min, max, step]}; raises ValueError on no images."""
    if len(y) == 0:
        raise ValueError("no validation images to choose the tumor head's offset on")
    grid = np.asarray(grid, dtype=np.float64)
    scores = np.array([type_validation(y, offset_probabilities(tumor, kind, float(b)))[1] for b in grid])
    at_zero = type_validation(y, offset_probabilities(tumor, kind, 0.0))[1]
    best = scores.max()
    if at_zero >= best - 1e-12:
        chosen = 0.0
    else:
        hits = np.flatnonzero(scores >= best - 1e-12)
        runs = np.split(hits, np.flatnonzero(np.diff(hits) > 1) + 1)
        run = min(runs, key=lambda r: min(abs(grid[r[0]]), abs(grid[r[-1]])))
        chosen = float(np.round(grid[run[len(run) // 2]], 4))
    return {"offset": chosen, "score": float(max(best, at_zero)), "scoreAtZero": float(at_zero),
            "grid": [float(grid.min()), float(grid.max()), float(np.round(grid[1] - grid[0], 6)) if len(grid) > 1 else 0.0]}


def validation_offset(model: TumorTypeCNN, inputs, labels: np.ndarray, validation_idx: np.ndarray) -> dict:
    """Infer the validation images (and only those) and choose the offset on them (choose_no_offset)."""
    pooled = infer(model, inputs, validation_idx)["pooled"]
    tumor, kind = head_logits(model, pooled)
    return choose_no_offset(tumor, kind, labels[validation_idx])


@torch.no_grad()
def apply_no_offset(model: TumorTypeCNN, b: float) -> None:
    """Bake b into the tumor head's bias of "no" (row 0): logits, ONNX and readers follow unchanged."""
    if not isinstance(model, TumorTypeCNN):
        raise ValueError(f"the no-logit offset applies to the type task's two-head model, not {type(model).__name__}")
    model.tumor_head.bias[0] += b
