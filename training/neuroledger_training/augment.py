"""Batch augmentation on the cached 0..255 tensors (before normalisation)."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


@dataclass(frozen=True)
class AugmentV2Config:
    """What differs between sites, applied to the area map before standardisation.

    Standardisation removes any linear change of intensity, so the intensity steps here are the
    non-linear ones scanners and exports differ in: gamma, a smooth bias field, saturation of the
    brightest pixels (contrast/window), blur, noise. Geometry: scale, rotation, shift, flips.
    """
    hflip: float = 0.5
    vflip: float = 0.0  # coronal/sagittal slices are not upside-down in any source
    rotation_degrees: float = 15.0
    scale: float = 0.15  # zoom uniform in [1 - s, 1 + s]
    shift: float = 0.05  # translation, fraction of the map
    gamma: float = 0.4  # v' = v^g on v / max, log g uniform in [-gamma, gamma]
    bias_field: float = 0.3  # multiplicative exp(field), field smooth with amplitude up to this
    saturate: float = 0.3  # probability of clipping the brightest pixels at a percentile in [90, 99.5]
    blur: float = 0.3  # probability of a Gaussian blur, sigma uniform in [0.3, 1.2] pixels
    noise: float = 0.05  # Gaussian noise, std up to this fraction of the head's mean

    def to_dict(self) -> dict:
        return {
            "hflip": self.hflip,
            "vflip": self.vflip,
            "rotationDegrees": self.rotation_degrees,
            "scale": self.scale,
            "brightness": 0.0,  # removed by the per-image standardisation
            "contrast": self.saturate,
            "shift": self.shift,
            "gamma": self.gamma,
            "biasField": self.bias_field,
            "blur": self.blur,
            "noise": self.noise,
            "appliedTo": "area map, before standardisation",
        }


def _gaussian_blur(v: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """v [B, 1, H, W], per-image sigma [B] -> blurred (separable, kernel 7)."""
    r = torch.arange(-3, 4, dtype=v.dtype, device=v.device)
    k = torch.exp(-(r[None] ** 2) / (2 * sigma[:, None] ** 2))
    k = k / k.sum(1, keepdim=True)  # [B, 7]
    b = v.shape[0]
    x = v.transpose(0, 1)  # [1, B, H, W]: grouped conv, one kernel per image
    x = F.conv2d(F.pad(x, (3, 3, 0, 0), mode="replicate"), k.view(b, 1, 1, 7), groups=b)
    x = F.conv2d(F.pad(x, (0, 0, 3, 3), mode="replicate"), k.view(b, 1, 7, 1), groups=b)
    return x.transpose(0, 1)


def augment_v2(v: torch.Tensor, mask: torch.Tensor, cfg: AugmentV2Config, gen: torch.Generator,
               boxes: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Area maps v float32 [B, S, S] on 0..255 and their head masks (bool) -> augmented (v, mask);
    with `boxes` (float [B, S, S], 1 inside a tumor box) also the boxes, warped like the map.

    Random numbers come from `gen` (a CPU generator) whatever the device of v, so a run is the same
    on a CPU and a GPU up to floating-point rounding."""
    b, s, _ = v.shape
    dev = v.device

    def uniform(lo: float, hi: float, n: int = b) -> torch.Tensor:
        return (torch.rand(n, generator=gen) * (hi - lo) + lo).to(dev)

    def chance(p: float) -> torch.Tensor:
        return (torch.rand(b, generator=gen) < p).to(dev)

    # Geometry on map, mask (and boxes) together.
    angle = uniform(-cfg.rotation_degrees, cfg.rotation_degrees) * math.pi / 180
    zoom = uniform(1 - cfg.scale, 1 + cfg.scale)
    fx = torch.where(chance(cfg.hflip), -1.0, 1.0)
    fy = torch.where(chance(cfg.vflip), -1.0, 1.0)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.zeros(b, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 0, 1] = cos * fx, -sin * fy
    theta[:, 1, 0], theta[:, 1, 1] = sin * fx, cos * fy
    theta[:, :, 2] = uniform(-2 * cfg.shift, 2 * cfg.shift, 2 * b).view(b, 2)
    planes = [v, mask.float()] + ([boxes.float()] if boxes is not None else [])
    stacked = torch.stack(planes, 1)  # [B, 2 or 3, S, S]
    grid = F.affine_grid(theta, [b, len(planes), s, s], align_corners=False)
    out = F.grid_sample(stacked, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    v, mask = out[:, :1], out[:, 1] > 0.5  # v [B, 1, S, S]
    warped_boxes = out[:, 2] if boxes is not None else None

    # Intensity: on v / max so gamma and saturation act on a 0..1 scale.
    top = v.flatten(1).max(1).values.clamp_min(1e-6).view(b, 1, 1, 1)
    u = v / top
    g = torch.exp(uniform(-cfg.gamma, cfg.gamma)).view(b, 1, 1, 1)
    u = u.clamp_min(0) ** g
    # A smooth multiplicative bias field: a random 4x4 grid, upsampled.
    coarse = torch.randn(b, 1, 4, 4, generator=gen).to(dev) * uniform(0, cfg.bias_field).view(b, 1, 1, 1)
    u = u * torch.exp(F.interpolate(coarse, (s, s), mode="bicubic", align_corners=False))
    sat = chance(cfg.saturate)
    level = uniform(0.90, 0.995)
    if sat.any():
        flat = u[sat].flatten(1)
        k = (level[sat] * (flat.shape[1] - 1)).long()
        qs = flat.sort(dim=1).values.gather(1, k[:, None])
        u[sat] = torch.minimum(u[sat], qs.view(-1, 1, 1, 1))
    blur = chance(cfg.blur)
    sigma = uniform(0.3, 1.2)
    if blur.any():
        u[blur] = _gaussian_blur(u[blur], sigma[blur])
    head_mean = (u[:, 0] * mask).flatten(1).sum(1) / mask.flatten(1).sum(1).clamp_min(1)
    sd = uniform(0, cfg.noise) * head_mean
    u = u + torch.randn(u.shape, generator=gen).to(dev) * sd.view(b, 1, 1, 1)
    v_out = (u[:, 0] * top[:, 0]).float()  # back on the scale of the input
    return (v_out, mask) if boxes is None else (v_out, mask, warped_boxes)
