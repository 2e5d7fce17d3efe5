"""Which preprocessing a model uses, and turning cached images into model inputs.

`PreprocSpec` is what a checkpoint and a card record; `V1Inputs` / `V2Inputs` hold the cached first
half of the preprocessing for a whole data set and make batches of model inputs from it (with the
training augmentation in between, when asked)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import preprocess_v2 as p2
from .augment import AugmentConfig, AugmentV2Config, augment, augment_v2
from .counterfactual import counterfactual_batch
from .data import INPUT_SIZE, normalize, preprocess


@dataclass(frozen=True)
class PreprocSpec:
    version: int  # 1 or 2 (docs/interfaces.md section 2)
    size: int  # S
    mean: tuple[float, ...] | None = None  # version 1 only
    std: tuple[float, ...] | None = None
    clip: float = p2.CLIP  # version 2 only

    def __post_init__(self) -> None:
        if self.version not in (1, 2):
            raise ValueError(f"preprocessing version must be 1 or 2, got {self.version}")
        if self.version == 1 and self.size != INPUT_SIZE:
            raise ValueError(f"preprocessing version 1 is fixed at {INPUT_SIZE}x{INPUT_SIZE}, got {self.size}")

    def from_rgb(self, rgb: np.ndarray) -> tuple[torch.Tensor, p2.Region]:
        """Decoded RGB -> (model input [3, S, S], region the input covers in image pixels; None for
        version 1, whose input covers the whole image stretched)."""
        if self.version == 1:
            return preprocess(rgb, list(self.mean), list(self.std)), None
        return p2.preprocess_v2(rgb, self.size, self.clip)

    def to_dict(self) -> dict:
        return {"version": self.version, "size": self.size, "mean": self.mean and list(self.mean), "std": self.std and list(self.std), "clip": self.clip}

    @staticmethod
    def from_checkpoint(ckpt: dict) -> "PreprocSpec":
        d = ckpt.get("preprocessing")
        if d is None:  # checkpoints written before version 2 existed
            return PreprocSpec(1, INPUT_SIZE, tuple(ckpt["mean"]), tuple(ckpt["std"]))
        return PreprocSpec(d["version"], d["size"], d["mean"] and tuple(d["mean"]), d["std"] and tuple(d["std"]), d["clip"])


class V1Inputs:
    """Cached bilinear 256x256 RGB on 0..255 [N, 3, 256, 256]; inputs = normalize(augment(x))."""

    def __init__(self, images: np.ndarray, mean, std, aug: AugmentConfig = AugmentConfig()):
        self.images, self.mean, self.std, self.aug = images, list(mean), list(std), aug

    def batch(self, idx: np.ndarray, gen: torch.Generator | None = None, with_boxes: bool = False):
        x = torch.tensor(np.asarray(self.images[idx]))
        if gen is not None:
            x = augment(x, self.aug, gen)
        x = normalize(x, self.mean, self.std)
        return (x, None) if with_boxes else x

    def training_batch(self, idx: np.ndarray, gen: torch.Generator, y: torch.Tensor, counterfactual: float = 0.0):
        """(augmented inputs, None, y): version 1 has no boxes, so no counterfactual removal."""
        if counterfactual > 0:
            raise ValueError("counterfactual tumor removal needs preprocessing 2 (tumor boxes on the area maps)")
        return self.batch(idx, gen), None, y


class V2Inputs:
    """Cached area maps [N, S, S] on 0..255 and M [N]; inputs = standardize(augment(map)) x 3.

    `maps` may be a numpy array (memory-mapped cache) or a torch tensor already on the training
    device (any dtype: a GPU run holds the maps as uint8); `boxes` (optional, [N, S, S], 1 inside a
    tumor box, same kinds) travel through the augmentation with the maps."""

    def __init__(self, maps, max_sum, clip: float = p2.CLIP, aug: AugmentV2Config = AugmentV2Config(),
                 boxes=None, device: str | torch.device = "cpu"):
        self.maps, self.clip, self.aug, self.boxes = maps, clip, aug, boxes
        self.device = torch.device(device)
        self.max_sum = torch.as_tensor(np.asarray(max_sum))

    def _rows(self, array, idx: np.ndarray) -> torch.Tensor:
        if isinstance(array, torch.Tensor):
            return array[torch.as_tensor(idx, device=array.device)].to(self.device).float()
        return torch.tensor(np.asarray(array[idx]), dtype=torch.float32).to(self.device)

    def rows(self, idx: np.ndarray, with_boxes: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(area maps [B, S, S] float32, M [B], boxes [B, S, S] float32 or None) of the images idx, on
        the device (boxes None when not asked for or when this data set has none)."""
        boxes = self._rows(self.boxes, idx) if with_boxes and self.boxes is not None else None
        return self._rows(self.maps, idx), self.max_sum[idx].to(self.device), boxes

    def _inputs(self, v: torch.Tensor, m: torch.Tensor, boxes: torch.Tensor | None, gen: torch.Generator | None):
        """Area maps -> (model inputs [B, 3, S, S], boxes): augmented when gen is given, standardised, x 3."""
        mask = p2.head_mask(v, m)
        if gen is not None:
            if boxes is not None:
                v, mask, boxes = augment_v2(v, mask, self.aug, gen, boxes)
            else:
                v, mask = augment_v2(v, mask, self.aug, gen)
        return p2.standardize(v, mask, self.clip)[:, None].expand(-1, 3, -1, -1).contiguous(), boxes

    def batch(self, idx: np.ndarray, gen: torch.Generator | None = None, with_boxes: bool = False):
        """Model inputs [B, 3, S, S] float32 on the device; with_boxes: (inputs, boxes [B, S, S] float
        or None when this data set has no boxes)."""
        x, boxes = self._inputs(*self.rows(idx, with_boxes), gen)
        return (x, boxes) if with_boxes else x

    def training_batch(self, idx: np.ndarray, gen: torch.Generator, y: torch.Tensor, counterfactual: float = 0.0):
        """(augmented inputs, boxes or None, labels) for training. With counterfactual > 0, tumors are
        removed before the augmentation (counterfactual.py) and their labels become 0; at 0 this is
        exactly `batch(idx, gen, with_boxes=True)` and y, drawing the same random numbers."""
        if counterfactual <= 0:
            return (*self.batch(idx, gen, with_boxes=True), y)
        v, m, boxes = self.rows(idx)
        v, boxes, y = counterfactual_batch(v, p2.head_mask(v, m), boxes, y, counterfactual, gen)
        return (*self._inputs(v, m, boxes, gen), y)
