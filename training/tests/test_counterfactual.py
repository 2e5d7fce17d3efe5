"""Counterfactual tumor removal (training augmentation): the tumor is replaced by tissue of the same
head and relabelled 'no', controls keep their label, and with the option off nothing changes."""

import hashlib
import json
from dataclasses import asdict

import numpy as np
import pytest
import torch

from neuroledger_training.counterfactual import correct_prior, counterfactual_batch, prior_offset, transplant
from neuroledger_training.fitstore import fit_key
from neuroledger_training.inputs import V2Inputs
from neuroledger_training.model import ModelConfig, build_model
from neuroledger_training.train import TrainConfig

S = 64


def _head_with_tumor(y0: int = 20, x0: int = 24, size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    yy, xx = torch.meshgrid(torch.arange(S, dtype=torch.float32), torch.arange(S, dtype=torch.float32), indexing="ij")
    inside = ((yy - 32) / 29) ** 2 + ((xx - 32) / 28) ** 2 <= 1
    v = torch.where(inside, 100 + 10 * torch.sin(xx / 3) * torch.cos(yy / 4), torch.zeros(()))
    box = torch.zeros(S, S)
    if size:
        v[y0:y0 + size, x0:x0 + size] = 250
        box[y0:y0 + size, x0:x0 + size] = 1
    return v, box


def test_transplant_copies_the_source_into_the_target_and_leaves_far_pixels():
    v, _ = _head_with_tumor()
    target = torch.zeros(S, S, dtype=torch.bool)
    target[10:18, 20:30] = True
    source = torch.zeros(S, S, dtype=torch.bool)
    source[40:48, 30:40] = True
    out = transplant(v, target, source)
    assert torch.allclose(out[target], v[source])
    far = torch.ones(S, S, dtype=torch.bool)
    far[4:24, 14:36] = False
    assert torch.equal(out[far], v[far])


def test_removal_relabels_clears_boxes_and_takes_the_tumor_away():
    tumor, box = _head_with_tumor()
    plain, no_box = _head_with_tumor(size=0)
    v = torch.stack([tumor, plain])
    boxes = torch.stack([box, no_box])
    y = torch.tensor([1, 0])
    head = v > 0
    out, out_boxes, out_y = counterfactual_batch(v, head, boxes, y, 1.0, torch.Generator().manual_seed(0))
    assert out_y.tolist() == [0, 0]
    assert float(out_boxes[0].sum()) == 0
    assert float(out[0].max()) < 150  # the 250-valued tumor is gone: only the head's own tissue (90..110)
    assert float((out[0][box > 0] - 100).abs().max()) <= 10.0 + 1e-4
    assert torch.equal(v[0], tumor) and float(boxes[0].sum()) == 64  # the inputs are not modified in place


def test_controls_keep_their_labels_and_the_tumor():
    tumor, box = _head_with_tumor()
    v = tumor[None].repeat(32, 1, 1)
    boxes = box[None].repeat(32, 1, 1)
    y = torch.ones(32, dtype=torch.long)
    out, out_boxes, out_y = counterfactual_batch(v, v > 0, boxes, y, 0.0, torch.Generator().manual_seed(1))
    assert out_y.tolist() == [1] * 32 and torch.equal(out_boxes, boxes)
    changed = [j for j in range(32) if not torch.equal(out[j], v[j])]
    assert 8 <= len(changed) <= 24  # CONTROL = 0.5 of the draws
    for j in changed:
        assert torch.equal(out[j][box > 0], v[j][box > 0])  # the tumor itself is never touched by a control


def test_off_is_exactly_the_plain_batch_and_keeps_fit_keys():
    tumor, box = _head_with_tumor()
    maps = torch.stack([tumor, tumor.flip(1)]).numpy()
    inputs = V2Inputs(maps, np.full(2, 765.0), boxes=torch.stack([box, box.flip(1)]).numpy().astype(np.uint8))
    idx, y = np.arange(2), torch.tensor([1, 1])
    x_a, b_a, y_a = inputs.training_batch(idx, torch.Generator().manual_seed(3), y, 0.0)
    x_b, b_b = inputs.batch(idx, torch.Generator().manual_seed(3), with_boxes=True)
    assert torch.equal(x_a, x_b) and torch.equal(b_a, b_b) and torch.equal(y_a, y)
    x_c, _, y_c = inputs.training_batch(idx, torch.Generator().manual_seed(3), y, 1.0)
    assert y_c.tolist() == [0, 0] and x_c.shape == x_a.shape
    # The key of a fit made before the option existed (the committed bench fits are found by it).
    model_cfg, arrays = ModelConfig(), (np.arange(3), np.arange(3, 5), np.zeros(5))
    before = {k: v for k, v in asdict(TrainConfig()).items() if k not in ("device", "threads", "lr_schedule", "counterfactual", "source_adversary")}
    h = hashlib.sha256(json.dumps({"model": model_cfg.to_dict(), "train": before}, sort_keys=True).encode())
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.int64)).tobytes() + b"|")
    assert fit_key(model_cfg, TrainConfig(), *arrays) == h.hexdigest()[:32]
    assert fit_key(model_cfg, TrainConfig(), *arrays) != fit_key(model_cfg, TrainConfig(counterfactual=0.3), *arrays)
    card = TrainConfig(counterfactual=0.3).to_dict()["augmentation"]["counterfactualTumorRemoval"]
    assert card["probability"] == 0.3 and "counterfactualTumorRemoval" not in TrainConfig().to_dict()["augmentation"]


def test_bad_probabilities_are_refused():
    with pytest.raises(ValueError, match="counterfactual must be a probability"):
        TrainConfig(counterfactual=1.5)


def test_prior_offset_undoes_the_relabelling_shift():
    # Balanced draws (q = 0.5); 40 % of draws removable at P = 0.5: training sees 'yes' 30 % of the time.
    offset = prior_offset(0.5, 0.5, 0.4)
    assert abs(offset - np.log(0.7 / 0.3)) < 1e-12
    assert prior_offset(0.0, 0.5, 0.4) == 0.0
    with pytest.raises(ValueError, match="no prior correction"):
        prior_offset(1.0, 0.5, 0.6)


def test_correct_prior_moves_the_logit_difference_and_leaves_the_heatmap():
    model = build_model(ModelConfig(channels=(4, 8, 8, 16), input_size=32)).eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        logits, features = model(x)
        cam = model.cam(features)
    correct_prior(model, 0.8)
    with torch.no_grad():
        logits2, features2 = model(x)
        cam2 = model.cam(features2)
    assert torch.allclose((logits2[:, 1] - logits2[:, 0]) - (logits[:, 1] - logits[:, 0]), torch.full((3,), 0.8), atol=1e-5)
    assert torch.equal(cam, cam2)
    assert torch.allclose(cam2.sum(dim=(2, 3)) + model.head.bias, logits2, atol=1e-4)
