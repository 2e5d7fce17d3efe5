"""Preprocessing version 2 (docs/interfaces.md section 2): head crop, square, area resize,
per-image standardisation. The one implementation used by training, evaluation, export and the
test vectors.

Split in two halves so training can cache the first and augment between them:
`area_map` (steps 2-6: decoded RGB -> S x S grey map on 0..255, region, M) and `standardize`
(step 7). `preprocess_v2` runs both and replicates to 3 channels (step 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_SIZE = 128
CLIP = 5.0
MIN_HEAD_PIXELS = 16


@dataclass(frozen=True)
class Region:
    """The square the model sees, in pixels of the original image (may reach past its edges)."""
    left: int
    top: int
    size: int

    def to_dict(self) -> dict:
        return {"left": self.left, "top": self.top, "size": self.size}


@dataclass(frozen=True)
class AreaMap:
    grey: np.ndarray  # float32 [S, S], 0..255: the area-averaged square canvas
    region: Region
    max_sum: int  # M = max(R + G + B) of the whole image (0..765)


def head_box(s: np.ndarray) -> tuple[int, int, int, int]:
    """Steps 3-4 on s = R+G+B (int [H, W]): (y0, y1, x0, x1) inclusive; the whole image when
    nothing is foreground."""
    h, w = s.shape
    m = int(s.max())
    whole = (0, h - 1, 0, w - 1)
    if m == 0:
        return whole
    fg = 10 * s.astype(np.int64) > m  # integer rule, no float rounding
    rows_on = np.nonzero(fg.sum(axis=1) >= max(1, w // 100))[0]
    cols_on = np.nonzero(fg.sum(axis=0) >= max(1, h // 100))[0]
    if len(rows_on) == 0 or len(cols_on) == 0:
        return whole
    return int(rows_on[0]), int(rows_on[-1]), int(cols_on[0]), int(cols_on[-1])


def square_canvas(rgb: np.ndarray) -> tuple[np.ndarray, Region, int]:
    """Steps 2-5: decoded HxWx3 uint8 -> (canvas float32 [size, size] of grey, region, M)."""
    s = rgb.astype(np.int32).sum(axis=2)
    y0, y1, x0, x1 = head_box(s)
    h, w = y1 - y0 + 1, x1 - x0 + 1
    size = max(h, w)
    ox, oy = (size - w) // 2, (size - h) // 2
    canvas = np.zeros((size, size), dtype=np.float32)
    canvas[oy : oy + h, ox : ox + w] = s[y0 : y1 + 1, x0 : x1 + 1].astype(np.float32) / np.float32(3)
    return canvas, Region(left=x0 - ox, top=y0 - oy, size=size), int(s.max())


def area_resize(canvas: np.ndarray, size: int) -> np.ndarray:
    """Step 6: exactly adaptive_avg_pool2d(canvas, (size, size)), float32."""
    x = torch.from_numpy(np.ascontiguousarray(canvas, dtype=np.float32))[None, None]
    return F.adaptive_avg_pool2d(x, (size, size))[0, 0].numpy()


def area_map(rgb: np.ndarray, size: int = DEFAULT_SIZE) -> AreaMap:
    """Steps 2-6: decoded RGB -> the S x S grey map (0..255), the region and M."""
    canvas, region, m = square_canvas(rgb)
    return AreaMap(grey=area_resize(canvas, size), region=region, max_sum=m)


def head_mask(v: torch.Tensor, max_sum: torch.Tensor) -> torch.Tensor:
    """Step 7's head pixels: v > M / 30, compared in float64. v [B, S, S], max_sum [B] -> bool."""
    return v.double() > (max_sum.double() / 30).view(-1, 1, 1)


def standardize(v: torch.Tensor, mask: torch.Tensor, clip: float = CLIP) -> torch.Tensor:
    """Step 7 over a batch: v float [B, S, S], mask bool [B, S, S] (the head) -> float32 [B, S, S].

    Mean and population std of the masked pixels (all pixels when fewer than 16), in float64;
    (v - mu) / max(sigma, 1e-6) clamped to [-clip, clip].
    """
    v64 = v.double()
    mask = mask.clone()
    few = mask.flatten(1).sum(1) < MIN_HEAD_PIXELS
    mask[few] = True
    count = mask.flatten(1).sum(1).double().view(-1, 1, 1)
    mu = (v64 * mask).flatten(1).sum(1).view(-1, 1, 1) / count
    var = (((v64 - mu) ** 2) * mask).flatten(1).sum(1).view(-1, 1, 1) / count
    sigma = var.sqrt().clamp_min(1e-6)
    return ((v64 - mu) / sigma).clamp(-clip, clip).float()


def to_input(v: torch.Tensor, max_sum: torch.Tensor, clip: float = CLIP) -> torch.Tensor:
    """Steps 7-8: area maps [B, S, S] on 0..255 and M [B] -> model input [B, 3, S, S] float32."""
    x = standardize(v, head_mask(v, max_sum), clip)
    return x[:, None].expand(-1, 3, -1, -1).contiguous()


def preprocess_v2(rgb: np.ndarray, size: int = DEFAULT_SIZE, clip: float = CLIP) -> tuple[torch.Tensor, Region]:
    """Decoded HxWx3 uint8 -> (model input [3, S, S] float32, region). Add the batch axis yourself."""
    am = area_map(rgb, size)
    x = to_input(torch.from_numpy(am.grey)[None], torch.tensor([am.max_sum]), clip)
    return x[0], am.region


def preprocessing_spec_v2(size: int, clip: float = CLIP) -> dict:
    """The card's `preprocessing` section for version 2 (docs/interfaces.md section 2)."""
    return {
        "version": 2,
        "decode": {
            "colorSpace": "RGB",
            "bitDepth": 8,
            "grayscale": "replicate",
            "palette": "expand",
            "alpha": "drop",
            "exifOrientation": "ignore",
        },
        "grey": "mean-rgb",
        "crop": {"method": "foreground-bbox", "foreground": "10 * (R+G+B) > max(R+G+B)", "minRowFraction": 0.01},
        "pad": "square-centred-zeros",
        "resize": {"width": size, "height": size, "method": "area", "reference": "torch.nn.functional.adaptive_avg_pool2d"},
        "normalize": {"method": "head-standardize", "headThreshold": "v > max(R+G+B) / 30", "clip": clip},
        "channelOrder": "RGB",
        "layout": "NCHW",
        "dtype": "float32",
    }
