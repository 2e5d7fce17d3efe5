"""Counterfactual tumor removal, a training augmentation (`--counterfactual P`).

figshare has tumors in coronal and sagittal slices and no tumor-free slice in those planes, so "looks
like a figshare slice" predicts "tumor" perfectly in training; the tumor-removal probe (removal.py)
showed the demo calling 99 % of figshare slices a tumor with the tumor filled in. This augmentation
gives the network the missing negatives: with probability P a training tumor image with boxes is
shown with its tumor replaced by tissue of the same head and labelled "no"; so that the patch itself
tells nothing, every other draw gets, with probability `CONTROL`, the same transplant somewhere away
from any tumor, its label unchanged.

The transplant (on the v2 area map, before the site augmentation): the boxes grown by `GROW` of their
size plus `DILATE` pixels, their bounding rectangle filled with a rectangle of the same size copied from
inside the head away from the boxes, blended over a 2-pixel feathered edge. It is a different fill
from the probe's (harmonic interpolation), so the probe still tests something training did not show.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import preprocess_v2 as p2
from .removal import place_rectangle, rectangle_size

CONTROL = 0.5  # probability of a control transplant on a draw that is not a removal
GROW = 0.15  # each side of a box grows by this share of the box's size ...
DILATE = 3  # ... plus this many input pixels (box edges are off by a few pixels; ellipses mark cores)
FEATHER = 2  # pixels over which the patch blends into its surroundings
MARGIN = 2 * FEATHER + 1  # patches keep this far from a tumor, so no tumor pixel is blended in


def _grown_rect(boxes: torch.Tensor) -> torch.Tensor:
    """bool [S, S] of the boxes' bounding rectangle, grown by GROW of its size plus DILATE pixels."""
    ys, xs = torch.nonzero(boxes, as_tuple=True)
    s = boxes.shape[0]
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    gy, gx = int(GROW * (y1 - y0 + 1)) + DILATE, int(GROW * (x1 - x0 + 1)) + DILATE
    rect = torch.zeros_like(boxes)
    rect[max(y0 - gy, 0):min(y1 + gy + 1, s), max(x0 - gx, 0):min(x1 + gx + 1, s)] = True
    return rect


def transplant(v: torch.Tensor, target: torch.Tensor, source: torch.Tensor, head: torch.Tensor | None = None) -> torch.Tensor:
    """v float [S, S]; target, source bool [S, S] rectangles of one size -> v with the source's
    pixels pasted over the target, feathered over FEATHER pixels outside the target; with `head`
    (bool [S, S]) only head pixels change, so a patch at the rim keeps the head's outline."""
    ty, tx = torch.nonzero(target, as_tuple=True)
    sy, sx = torch.nonzero(source, as_tuple=True)
    shifted = torch.roll(v, shifts=(int(ty.min() - sy.min()), int(tx.min() - sx.min())), dims=(0, 1))
    k = 2 * FEATHER + 1
    grown = F.max_pool2d(target[None, None].float(), k, stride=1, padding=FEATHER)[0, 0]
    alpha = torch.maximum(target.float(), F.avg_pool2d(grown[None, None], k, stride=1, padding=FEATHER, count_include_pad=False)[0, 0])
    if head is not None:
        alpha = alpha * head.float()
    return alpha * shifted + (1 - alpha) * v


def counterfactual_batch(v: torch.Tensor, head: torch.Tensor, boxes: torch.Tensor | None, y: torch.Tensor,
                         p: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Area maps v [B, S, S] (0..255), head masks [B, S, S] bool, tumor boxes [B, S, S] (1 inside;
    None: no box anywhere), binary labels y [B] -> (v, boxes, y) with tumors removed (label 0,
    boxes cleared) with probability p on tumor images with boxes and control transplants with
    probability CONTROL on the other draws. Random numbers from `gen` (CPU)."""
    v, y = v.clone(), y.clone()
    boxes = boxes.clone() if boxes is not None else None
    u = torch.rand(len(y), generator=gen)
    for j in range(len(y)):
        has_box = boxes is not None and bool((boxes[j] > 0.5).any())
        if has_box and int(y[j]) == 1 and float(u[j]) < p:
            target = _grown_rect(boxes[j] > 0.5)
            source = place_rectangle(head[j], target, rectangle_size(target), gen, MARGIN)
            if source is not None:
                v[j] = transplant(v[j], target, source, head[j])
                y[j] = 0
                boxes[j] = 0
            continue
        if float(torch.rand(1, generator=gen)) >= CONTROL:
            continue
        avoid = _grown_rect(boxes[j] > 0.5) if has_box else torch.zeros_like(head[j])
        # A control patch the size of a typical tumor box here: a side of 8-25 % of the map.
        s = v.shape[-1]
        side = tuple(int(x) for x in torch.randint(max(2, s // 12), max(3, s // 4), (2,), generator=gen))
        target = place_rectangle(head[j], avoid, side, gen, MARGIN)
        if target is None:
            continue
        source = place_rectangle(head[j], avoid | target, side, gen, MARGIN)
        if source is not None:
            v[j] = transplant(v[j], target, source, head[j])
    return v, boxes, y


def counterfactual_card(p: float) -> dict:
    """The card's `hyperparameters.augmentation` entry for probability p ({} when off)."""
    if not p:
        return {}
    return {"counterfactualTumorRemoval": {
        "probability": p, "controlProbability": CONTROL, "grow": GROW, "dilatePixels": DILATE, "featherPixels": FEATHER,
        "method": "tumor boxes' grown rectangle replaced by tissue of the same head, label 'no'; control: the same "
                  "transplant away from any tumor on other draws, label kept"}}


def relabelled_share(inputs, labels: np.ndarray, idx: np.ndarray, weights: np.ndarray, seed: int = 0, batch: int = 64) -> float:
    """The share of training draws that removal turns from 'yes' into 'no' at P = 1: the sampling
    weight (`weights` [len(idx)], summing to 1) of the tumor images of idx with boxes whose tumor
    finds a same-size patch of head beside it (counterfactual_batch at P = 1, seeded)."""
    if inputs.boxes is None:
        return 0.0
    gen = torch.Generator().manual_seed(seed)
    removed = np.zeros(len(idx), dtype=bool)
    for start in range(0, len(idx), batch):
        rows = np.asarray(idx[start:start + batch])
        v, m, boxes = (t.cpu() for t in inputs.rows(rows))
        y = torch.as_tensor(labels[rows], dtype=torch.long)
        _, _, y_out = counterfactual_batch(v, p2.head_mask(v, m), boxes, y, 1.0, gen)
        removed[start:start + len(rows)] = ((y == 1) & (y_out == 0)).numpy()
    return float(weights[removed].sum())


def prior_offset(p: float, share_yes: float, relabelled: float) -> float:
    """The 'yes' - 'no' logit offset that undoes removal's shift of the training prior.

    Drawn with a 'yes' share q, training sees 'yes' with q' = q - p * r (r = `relabelled`, the
    removable share of draws). A network fit to that prior is off by log-odds; adding
    log(q / (1 - q)) - log(q' / (1 - q')) to its logit difference gives the decision it would make
    at the sampling's own prior (Saerens, Latinne & Decaestecker, Neural Computation 14(1), 2002).
    """
    q = share_yes
    q2 = q - p * relabelled
    if not 0 < q2 < 1 or not 0 < q < 1:
        raise ValueError(f"no prior correction for a 'yes' share of {q} shifted to {q2}")
    return float(np.log(q / (1 - q)) - np.log(q2 / (1 - q2)))


def correct_prior(model, offset: float) -> None:
    """Add `offset` to the model's 'yes' - 'no' logit difference (half to each bias, in place). The
    class activation maps do not hold the bias, so the heatmaps are unchanged and sum(cam) + bias =
    logits still holds."""
    with torch.no_grad():
        model.head.bias[1] += offset / 2
        model.head.bias[0] -= offset / 2
