"""Tumor-removal test: does the model call a slice a tumor because of the tumor, or because of
what surrounds it (the plane, the source, the framing)?

No source here has tumor-free coronal or sagittal slices, so a model can learn "figshare-like
anatomy -> tumor" and no test side shows it. This test asks the model directly: each tumor image
with boxes is shown three times, on the v2 area map before standardisation (docs/interfaces.md
section 2, so the fill goes through the same standardisation as any image):

- as it is;
- with the tumor removed: the boxes, dilated by `DILATE` input pixels (the boxes' edges are off by
  a few pixels), filled by harmonic interpolation from their border (the smooth surface that
  continues the surrounding tissue; Jacobi iterations of the 4-neighbour mean) plus Gaussian noise
  with the border's high-pass standard deviation, so the patch has the texture around it;
- as a control, the same fill of a rectangle of the same size at a seeded random place inside the
  head that does not touch the dilated boxes.

A model that detects the tumor calls the first and third "yes" and the second "no"; one that
detects the surroundings calls all three "yes". `fill_probe` is the negative control: the same fill
on tumor-free images, to see how often the fill alone reads as a lesion. The fill is not a real tumor-free slice (its
smoothness may itself look unusual), so the figure is a probe of what the decision rests on, not a
specificity; the control separates the effect of the fill from the effect of the tumor.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import preprocess_v2 as p2

DILATE = 3  # input pixels (S = 128: 12 px of a 512 px figshare slice)
ITERATIONS = 400
PLACEMENT_TRIES = 50


def _dilate(mask: torch.Tensor, r: int) -> torch.Tensor:
    """bool [S, S] -> bool [S, S], a square structuring element of side 2r + 1."""
    return F.max_pool2d(mask[None, None].float(), 2 * r + 1, stride=1, padding=r)[0, 0] > 0


def harmonic_fill(v: torch.Tensor, hole: torch.Tensor, noise_gen: torch.Generator, head: torch.Tensor | None = None) -> torch.Tensor:
    """v float [S, S] (0..255), hole bool [S, S] -> a copy with the hole filled smoothly from its
    border, plus noise of the border ring's high-pass std (4-neighbour Laplacian residual). With
    `head` (bool [S, S]) only head pixels feed the fill: a hole at the rim of the head is filled
    from the tissue beside it, not darkened by the background beyond it."""
    known = torch.ones_like(hole) if head is None else (head | hole)
    ring = _dilate(hole, 2) & ~hole & known
    if not bool(ring.any()) or not bool(hole.any()):
        return v.clone()
    # Only the hole changes and its neighbours lie in its bounding box grown by one pixel, so the
    # iterations run on that window (the image's own edges keep the replicate padding).
    ys, xs = torch.nonzero(hole, as_tuple=True)
    s = hole.shape
    y0, y1 = max(int(ys.min()) - 1, 0), min(int(ys.max()) + 2, s[0])
    x0, x1 = max(int(xs.min()) - 1, 0), min(int(xs.max()) + 2, s[1])
    win, h = v[y0:y1, x0:x1].double().clone(), hole[y0:y1, x0:x1]
    w = known[y0:y1, x0:x1].double()
    count = _sum4(w).clamp_min(1)
    win[h] = v.double()[ring].mean()
    for _ in range(ITERATIONS):
        win = torch.where(h, _sum4(win * w) / count, win)
    # The texture's scale, from ring pixels whose neighbours are all tissue (not the head's edge).
    textured = ring & (_sum4(known.double()) == 4)
    sigma = float((v.double() - _mean4(v.double()))[textured].std()) if int(textured.sum()) > 1 else 0.0
    win = torch.where(h, win + torch.randn(win.shape, generator=noise_gen, dtype=torch.float64) * sigma, win)
    out = v.clone()
    out[y0:y1, x0:x1] = win.clamp(0, 255).float()
    return out


def _sum4(a: torch.Tensor) -> torch.Tensor:
    """The sum of each pixel's 4 neighbours, edges replicated."""
    p = F.pad(a[None, None], (1, 1, 1, 1), mode="replicate")[0, 0]
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]


def _mean4(a: torch.Tensor) -> torch.Tensor:
    """The mean of each pixel's 4 neighbours, edges replicated."""
    return _sum4(a) / 4


def place_rectangle(head: torch.Tensor, avoid: torch.Tensor, side: tuple[int, int], gen: torch.Generator,
                    margin: int = 2, tries: int = PLACEMENT_TRIES) -> torch.Tensor | None:
    """A rectangle of `side` (h, w) at a random place (from `gen`) with every pixel in the head and
    none within `margin` pixels of `avoid` (bool [S, S]); None when `tries` draws find none."""
    s = head.shape[0]
    h, w = side
    if h >= s or w >= s:
        return None
    keep_out = _dilate(avoid, margin)
    for _ in range(tries):
        top = int(torch.randint(0, s - h + 1, (1,), generator=gen))
        left = int(torch.randint(0, s - w + 1, (1,), generator=gen))
        rect = torch.zeros_like(head)
        rect[top:top + h, left:left + w] = True
        if bool(head[rect].all()) and not bool((rect & keep_out).any()):
            return rect
    return None


def rectangle_size(mask: torch.Tensor) -> tuple[int, int]:
    """(height, width) of the bounding rectangle of a non-empty bool mask."""
    ys, xs = torch.nonzero(mask, as_tuple=True)
    return int(ys.max() - ys.min() + 1), int(xs.max() - xs.min() + 1)


def control_hole(hole: torch.Tensor, head: torch.Tensor, gen: torch.Generator) -> torch.Tensor | None:
    """A rectangle of the hole's bounding size, at a random place inside the head (every pixel of it
    head) that does not touch the hole; None when none is found in PLACEMENT_TRIES draws."""
    return place_rectangle(head, hole, rectangle_size(hole), gen)


def _probability(model, v: torch.Tensor, m: torch.Tensor, clip: float, positive: int) -> np.ndarray:
    """`positive`'s probability for area maps v [B, S, S] (M [B]) through standardisation and the model."""
    device = next(model.parameters(), torch.empty(0)).device
    x = p2.to_input(v, m, clip).to(device)
    with torch.no_grad():
        return torch.softmax(model(x)[0], dim=1)[:, positive].cpu().numpy()


def _share(p: np.ndarray) -> float | None:
    """Share called a tumor (probability >= 0.5); None for no images."""
    return float((p >= 0.5).mean()) if len(p) else None


def removal_probe(model, maps, max_sum, box_masks, idx: np.ndarray, clip: float = p2.CLIP, seed: int = 0,
                  positive: int = 1, batch: int = 64) -> dict:
    """Run the probe on the images idx (each with a box mask). maps [N, S, S] 0..255 (v2 area
    maps), max_sum [N] (M), box_masks [N, S, S] (1 inside a box). Returns, for `positive`'s
    probability >= 0.5: n, the share called a tumor as is / with the tumor removed / with the
    control fill (n with a control placement), and the mean probabilities."""
    gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator().manual_seed(seed + 1)
    model.eval()
    prob = {"original": [], "removed": [], "control": []}
    for start in range(0, len(idx), batch):
        rows = np.asarray(idx[start:start + batch])
        v = torch.tensor(np.asarray(maps[rows]), dtype=torch.float32)
        m = torch.as_tensor(np.asarray(max_sum)[rows])
        head = p2.head_mask(v, m)
        removed, control = v.clone(), v.clone()
        has_control = []
        for j, i in enumerate(rows):
            hole = _dilate(torch.as_tensor(np.asarray(box_masks[i])) > 0, DILATE)
            removed[j] = harmonic_fill(v[j], hole, noise_gen, head[j])
            rect = control_hole(hole, head[j], gen)
            has_control.append(rect is not None)
            if rect is not None:
                control[j] = harmonic_fill(v[j], rect, noise_gen, head[j])
        prob["original"].append(_probability(model, v, m, clip, positive))
        prob["removed"].append(_probability(model, removed, m, clip, positive))
        prob["control"].append(_probability(model, control, m, clip, positive)[np.array(has_control, dtype=bool)])
    p = {k: np.concatenate(v) if v else np.zeros(0) for k, v in prob.items()}
    return {
        "n": int(len(idx)),
        "nControl": int(len(p["control"])),
        "calledTumor": _share(p["original"]),
        "calledTumorTumorRemoved": _share(p["removed"]),
        "calledTumorControlFill": _share(p["control"]),
        "meanProbability": {k: float(a.mean()) if len(a) else None for k, a in p.items()},
        "method": f"boxes dilated by {DILATE} input px, harmonic fill + border-texture noise; control: same fill of an "
                  f"equal rectangle elsewhere in the head; seed {seed}",
    }


def fill_probe(model, maps, max_sum, idx: np.ndarray, sides: list[tuple[int, int]], clip: float = p2.CLIP, seed: int = 0,
               positive: int = 1, batch: int = 64) -> dict:
    """The probe's negative control: tumor-free images idx shown as they are and with the same fill
    as the removal (harmonic + texture noise) of a rectangle inside the head, its size taken in turn
    from `sides` (the removal holes' (h, w), so both fills cover the same areas). A fill that reads
    as a lesion to the model raises the second share; the removal figure means little then."""
    gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator().manual_seed(seed + 1)
    model.eval()
    prob = {"original": [], "filled": []}
    k = 0
    for start in range(0, len(idx), batch):
        rows = np.asarray(idx[start:start + batch])
        v = torch.tensor(np.asarray(maps[rows]), dtype=torch.float32)
        m = torch.as_tensor(np.asarray(max_sum)[rows])
        head = p2.head_mask(v, m)
        filled, placed = v.clone(), []
        for j in range(len(rows)):
            rect = place_rectangle(head[j], torch.zeros_like(head[j]), sides[k % len(sides)], gen)
            k += 1
            placed.append(rect is not None)
            if rect is not None:
                filled[j] = harmonic_fill(v[j], rect, noise_gen, head[j])
        prob["original"].append(_probability(model, v, m, clip, positive))
        prob["filled"].append(_probability(model, filled, m, clip, positive)[np.array(placed, dtype=bool)])
    p = {k: np.concatenate(v) if v else np.zeros(0) for k, v in prob.items()}
    return {"n": int(len(idx)), "nFilled": int(len(p["filled"])),
            "calledTumor": _share(p["original"]), "calledTumorWithFill": _share(p["filled"])}


def hole_sides(box_masks, idx: np.ndarray) -> list[tuple[int, int]]:
    """(h, w) of the removal hole (boxes dilated by DILATE) of each image of idx, in order."""
    return [rectangle_size(_dilate(torch.as_tensor(np.asarray(box_masks[i])) > 0, DILATE)) for i in idx]
