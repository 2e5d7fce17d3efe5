"""Class activation heatmaps and their peak (docs/interfaces.md section 1), and the localisation
measures on images with tumor boxes: the pointing game and the fraction of heat inside the box."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .preprocess_v2 import Region


def class_heatmap(cam: torch.Tensor, k: int) -> torch.Tensor:
    """cam [K, h, w] -> H [h, w] in [0, 1]: max(0, cam[k] - mean_j cam[j]) / max (zeros if max is 0)."""
    h = (cam[k] - cam.mean(dim=0)).clamp_min(0)
    top = h.max()
    return h / top if top > 0 else torch.zeros_like(h)


def upsample(h: torch.Tensor, size: int) -> torch.Tensor:
    """[h, w] -> [size, size], bilinear, half-pixel centres, edges clamped (section 2's v1 resize)."""
    return F.interpolate(h[None, None].float(), (size, size), mode="bilinear", align_corners=False)[0, 0]


def image_coords(region: Region, s: int) -> tuple[np.ndarray, np.ndarray]:
    """x (per input column) and y (per input row) in image pixels (floats) of the S x S input grid."""
    idx = np.arange(s, dtype=np.float64)
    return region.left + (idx + 0.5) * region.size / s, region.top + (idx + 0.5) * region.size / s


def peak(cam: torch.Tensor, k: int, region: Region, s: int, width: int, height: int) -> tuple[int, int]:
    """The heatmap's first maximum (row-major) on the S x S grid, in image pixels, floored and clamped."""
    up = upsample(class_heatmap(cam, k), s).numpy()
    j, i = divmod(int(np.argmax(up)), s)  # numpy argmax: first maximum in row-major order
    xs, ys = image_coords(region, s)
    x = min(max(int(np.floor(xs[i])), 0), width - 1)
    y = min(max(int(np.floor(ys[j])), 0), height - 1)
    return x, y


def in_boxes(x: float, y: float, boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)


def localization(cam: torch.Tensor, k: int, region: Region, s: int, width: int, height: int, boxes) -> tuple[bool, float]:
    """(pointing-game hit, fraction of heat inside the boxes) for one image.

    The hit: the peak (as `peak`) lies inside any box (edges included). The heat fraction: of the
    upsampled S x S heatmap, the share whose input-pixel centres map inside a box (0 when there is
    no heat at all).
    """
    x, y = peak(cam, k, region, s, width, height)
    up = upsample(class_heatmap(cam, k), s).numpy().astype(np.float64)
    xs, ys = image_coords(region, s)
    inside = np.zeros((s, s), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside |= ((ys >= y0) & (ys <= y1))[:, None] & ((xs >= x0) & (xs <= x1))[None, :]
    total = up.sum()
    return in_boxes(x, y, boxes), float(up[inside].sum() / total) if total > 0 else 0.0
