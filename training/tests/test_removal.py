"""The tumor-removal probe: the fill continues the surroundings, the control lands inside the head
away from the tumor, and a model that looks at the tumor is told apart from one that does not."""

import numpy as np
import torch

from neuroledger_training import preprocess_v2 as p2
from neuroledger_training.removal import DILATE, control_hole, fill_probe, harmonic_fill, hole_sides, removal_probe

S = 64


def _head() -> torch.Tensor:
    """A 0..255 map: background 0, an elliptical 'head' of grey 100 with a slight ramp."""
    yy, xx = torch.meshgrid(torch.arange(S, dtype=torch.float32), torch.arange(S, dtype=torch.float32), indexing="ij")
    inside = ((yy - 32) / 28) ** 2 + ((xx - 32) / 26) ** 2 <= 1
    return torch.where(inside, 90 + 0.5 * xx, torch.zeros(()))


def _tumor(v: torch.Tensor, y0: int, x0: int, size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    v = v.clone()
    v[y0:y0 + size, x0:x0 + size] = 250
    box = torch.zeros(S, S, dtype=torch.bool)
    box[y0:y0 + size, x0:x0 + size] = True
    return v, box


def test_harmonic_fill_continues_a_ramp_and_leaves_the_rest():
    v, box = _tumor(_head(), 24, 24)
    hole = torch.nn.functional.max_pool2d(box[None, None].float(), 2 * DILATE + 1, 1, DILATE)[0, 0] > 0
    filled = harmonic_fill(v, hole, torch.Generator().manual_seed(0))
    expected = _head()
    # The ramp is harmonic, so the fill reproduces it (the border ring of a ramp has no high-pass texture: no noise).
    assert float((filled[hole] - expected[hole]).abs().max()) < 0.5
    assert torch.equal(filled[~hole], v[~hole])
    assert float(filled.max()) < 200  # the bright 'tumor' is gone


def test_control_rectangle_is_inside_the_head_and_away_from_the_tumor():
    v, box = _tumor(_head(), 24, 24)
    head = v > 0
    for seed in range(20):
        rect = control_hole(box, head, torch.Generator().manual_seed(seed))
        assert rect is not None and int(rect.sum()) == int(box.sum())
        assert bool(head[rect].all())
        grown = torch.nn.functional.max_pool2d(box[None, None].float(), 5, 1, 2)[0, 0] > 0
        assert not bool((rect & grown).any())


class _BrightSpotModel(torch.nn.Module):
    """'yes' iff some pixel of the standardised input is far above the head's mean (a bright spot)."""

    def forward(self, x):
        top = x[:, 0].flatten(1).amax(1)
        logits = torch.stack([torch.zeros_like(top), (top - 2.5) * 20], dim=1)
        return logits, x[:, :1]


class _HeadShapeModel(torch.nn.Module):
    """'yes' for every image with a head in it: it never looks at the tumor."""

    def forward(self, x):
        share = (x[:, 0] > -1).float().flatten(1).mean(1)
        logits = torch.stack([torch.zeros_like(share), (share - 0.1) * 50], dim=1)
        return logits, x[:, :1]


def test_probe_tells_a_tumor_detector_from_a_surroundings_detector():
    maps, masks = [], []
    for y0, x0 in ((16, 20), (30, 36), (40, 22), (22, 40)):
        v, box = _tumor(_head(), y0, x0)
        maps.append(v.numpy())
        masks.append(box.numpy().astype(np.uint8))
    maps, masks = np.stack(maps), np.stack(masks)
    max_sum = np.full(len(maps), 3 * 255.0)
    idx = np.arange(len(maps))
    spot = removal_probe(_BrightSpotModel(), maps, max_sum, masks, idx)
    assert spot["n"] == 4 and spot["nControl"] == 4
    assert spot["calledTumor"] == 1.0 and spot["calledTumorTumorRemoved"] == 0.0 and spot["calledTumorControlFill"] == 1.0
    shape = removal_probe(_HeadShapeModel(), maps, max_sum, masks, idx)
    assert shape["calledTumor"] == 1.0 and shape["calledTumorTumorRemoved"] == 1.0


class _ChangeModel(torch.nn.Module):
    """'yes' iff the input differs from a reference input: here, a reader of any fill at all."""

    def __init__(self, reference: torch.Tensor):
        super().__init__()
        self.reference = reference

    def forward(self, x):
        changed = (x - self.reference).abs().flatten(1).amax(1) > 0.05
        return torch.stack([torch.zeros(len(x)), changed.float() * 20 - 10], dim=1), x[:, :1]


def test_fill_on_tumor_free_images_exposes_a_model_that_reads_the_fill():
    # A detector of bright spots is not fooled by the fill; a model that reads any change is.
    yy, xx = torch.meshgrid(torch.arange(S, dtype=torch.float32), torch.arange(S, dtype=torch.float32), indexing="ij")
    textured = torch.where(_head() > 0, 100 + 10 * torch.sin(xx / 3) * torch.cos(yy / 4), torch.zeros(()))
    maps = textured[None].repeat(4, 1, 1).numpy()
    _, box = _tumor(_head(), 24, 24)
    sides = hole_sides(box[None].numpy(), np.array([0]))
    assert sides == [(8 + 2 * DILATE, 8 + 2 * DILATE)]
    max_sum = np.full(4, 3 * 255.0)
    spot = fill_probe(_BrightSpotModel(), maps, max_sum, np.arange(4), sides)
    assert spot["n"] == 4 and spot["nFilled"] == 4 and spot["calledTumor"] == 0.0 and spot["calledTumorWithFill"] == 0.0
    v = torch.tensor(maps)
    reference = p2.standardize(v, p2.head_mask(v, torch.as_tensor(max_sum)), p2.CLIP)[:, None].expand(-1, 3, -1, -1)
    reader = fill_probe(_ChangeModel(reference), maps, max_sum, np.arange(4), sides)
    assert reader["calledTumor"] == 0.0 and reader["calledTumorWithFill"] == 1.0
