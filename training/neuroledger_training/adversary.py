"""Source adversary on tumor images (`--source-adversary W`): take the source out of what the
features say about a tumor image.

figshare gives tumors only, and its slices differ from Br35H's in plane (coronal, sagittal), sequence
and framing. A network that can tell "a figshare slice" from its features can call it a tumor
without finding one: the demo calls 98.8 % of figshare slices with their tumor filled in a tumor
(training/README.md, tumor-removal probe). A small head predicts the source of each tumor image from
its pooled features through a gradient reversal layer, so while the head learns to tell the sources
apart, the network is pushed to give tumor images features from which their source cannot be read.
Whatever the classifier can still use must then be shared by the tumors of every source: the tumor,
not the plane. Conditioning on the label (tumor images only) keeps the tumor-free images, which come
from one source, out of it: the adversary does not ask "no" and "yes" to look alike.

Method: domain-adversarial training (Ganin et al., "Domain-Adversarial Training of Neural Networks",
JMLR 2016), the reversal's strength ramped by 2 / (1 + exp(-10 p)) - 1 over training progress p, as
there; conditioned on the label as in conditional adversarial domain adaptation (Long et al., 2018,
here by restriction to one label rather than by a multilinear map).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

HIDDEN = 64  # units of the adversary's one hidden layer


class _GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, strength: float) -> torch.Tensor:
        ctx.strength = strength
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.strength * grad, None


def reverse_gradient(x: torch.Tensor, strength: float) -> torch.Tensor:
    """Identity forward; the gradient is multiplied by -strength on the way back."""
    return _GradientReversal.apply(x, strength)


def ramp(progress: float) -> float:
    """Strength of the reversal at training progress in [0, 1]: 0 at the start, ~1 by the end (Ganin et al. 2016)."""
    return 2.0 / (1.0 + math.exp(-10.0 * progress)) - 1.0


class SourceAdversary(nn.Module):
    """Source logits [B, n_sources] from pooled features [B, C] (one hidden layer of 64, ReLU)."""

    def __init__(self, channels: int, n_sources: int, hidden: int = HIDDEN):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, n_sources))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.net(pooled)


def source_adversary_loss(adversary: SourceAdversary, features: torch.Tensor, tumor: torch.Tensor,
                          source: torch.Tensor, strength: float) -> torch.Tensor:
    """Cross-entropy of the adversary's source prediction on the tumor images of a batch (0 when
    there are none). features [B, C, h, w] (the model's), tumor [B] bool, source [B] source index.
    Minimising it trains the adversary; through the reversal it trains the network, with weight
    `strength`, to make the source unreadable."""
    if not bool(tumor.any()):
        return features.sum() * 0
    pooled = features[tumor].mean(dim=(2, 3))
    return F.cross_entropy(adversary(reverse_gradient(pooled, strength)), source[tumor])


def card_entry(weight: float) -> dict:
    """The card's `hyperparameters.sourceAdversary` ({} when off)."""
    if not weight:
        return {}
    return {"sourceAdversary": {
        "weight": weight, "hidden": HIDDEN, "on": "tumor images (label 'yes')", "input": "pooled features",
        "strength": "2 / (1 + exp(-10 p)) - 1 at training progress p (Ganin et al. 2016)",
        "method": "domain-adversarial training: a gradient-reversed head predicts each tumor image's source"}}
