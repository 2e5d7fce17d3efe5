"""Batch augmentation on the cached 0..255 tensors (before normalisation)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    hflip: float = 0.5  # probability of a left-right flip (axial slices are near-symmetric)
    vflip: float = 0.0
    rotation_degrees: float = 10.0  # uniform in [-r, r]
    scale: float = 0.05  # zoom factor uniform in [1 - s, 1 + s]
    brightness: float = 0.1  # additive, fraction of 255, uniform in [-b, b]
    contrast: float = 0.1  # multiplicative around the image mean, uniform in [1 - c, 1 + c]

    def to_dict(self) -> dict:
        return {
            "hflip": self.hflip,
            "vflip": self.vflip,
            "rotationDegrees": self.rotation_degrees,
            "scale": self.scale,
            "brightness": self.brightness,
            "contrast": self.contrast,
        }


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """x float32 [B, 3, H, W] on 0..255 -> augmented copy, same shape and range."""
    b = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(b, generator=gen) * (hi - lo) + lo

    angle = uniform(-cfg.rotation_degrees, cfg.rotation_degrees) * math.pi / 180
    zoom = uniform(1 - cfg.scale, 1 + cfg.scale)
    flip_x = torch.where(torch.rand(b, generator=gen) < cfg.hflip, -1.0, 1.0)
    flip_y = torch.where(torch.rand(b, generator=gen) < cfg.vflip, -1.0, 1.0)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = cos * flip_x
    theta[:, 0, 1] = -sin
    theta[:, 1, 0] = sin * flip_x
    theta[:, 1, 1] = cos
    theta[:, 1, :2] *= flip_y[:, None]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # [B, H, W, 2]
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    contrast = uniform(1 - cfg.contrast, 1 + cfg.contrast).view(b, 1, 1, 1)
    brightness = (uniform(-cfg.brightness, cfg.brightness) * 255).view(b, 1, 1, 1)
    return ((out - mean) * contrast + mean + brightness).clamp_(0, 255)
