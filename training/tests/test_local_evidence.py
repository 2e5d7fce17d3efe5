"""Local evidence (`--local`, model.py): the residual CNN with 1x1 convolutions after the third
stage's stride, so that one feature cell sees a 31 x 31 pixel patch; the card records the receptive
field of every model; off, configurations and fit keys are the old ones."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from neuroledger_training.card import validate_card
from neuroledger_training.cli import main
from neuroledger_training.fitstore import fit_key
from neuroledger_training.model import ModelConfig, build_model
from neuroledger_training.train import TrainConfig

TINY = ["--epochs", "1", "--channels", "4,8,8,16", "--size", "64", "--no-cache", "--name", "smoke", "--version", "0.0.1"]


def seen_patch(model: nn.Module, size: int, cell: tuple[int, int]) -> tuple[int, int]:
    """(height, width) in input pixels of the region whose pixels change features[:, :, cell]."""
    for m in model.modules():  # BN weights of 1 (not the zero-init of residual blocks) so every path carries gradient
        if isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
    model.eval()
    torch.manual_seed(0)
    x = torch.randn(1, 3, size, size, requires_grad=True)
    _, features = model(x)
    features[0, :, cell[0], cell[1]].sum().backward()
    rows, cols = (x.grad.abs().sum((0, 1)) > 0).nonzero(as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@pytest.mark.parametrize("local, side", [(False, 79), (True, 31)])
def test_a_feature_cell_sees_exactly_its_receptive_field(local, side):
    cfg = ModelConfig(channels=(4, 8, 8, 16), input_size=128, arch="resnet", cam=True, local=local)
    assert cfg.receptive_field == side
    assert seen_patch(build_model(cfg), 128, (8, 8)) == (side, side)


def test_the_paper_cnn_receptive_field_matches_its_gradient():
    cfg = ModelConfig(channels=(4, 4, 4, 4), input_size=128, arch="paper", cam=True)
    model = build_model(cfg)
    for block in model.blocks:  # average pooling has max-pooling's geometry and passes gradient to every pixel
        block[-1] = nn.AvgPool2d(2)
    assert cfg.receptive_field == 46
    # The cell (4, 4) of an 8 x 8 grid: the patch is 46 wide, centred on the cell's 16 x 16 block.
    assert seen_patch(model, 128, (4, 4)) == (46, 46)


def test_local_is_fewer_weights_of_the_same_interface():
    full = build_model(ModelConfig(channels=(12, 24, 48, 96), input_size=128, arch="resnet", cam=True))
    local = build_model(ModelConfig(channels=(12, 24, 48, 96), input_size=128, arch="resnet", cam=True, local=True))
    x = torch.randn(2, 3, 128, 128)
    (lf, ff), (ll, fl) = full.eval()(x), local.eval()(x)
    assert lf.shape == ll.shape == (2, 2) and ff.shape == fl.shape == (2, 96, 16, 16)
    assert local.parameter_count() < full.parameter_count()
    cam = local.cam(fl)
    assert torch.allclose(cam.sum((2, 3)) + local.head.bias, ll, atol=1e-5)  # the class activation map stays exact


def test_off_keeps_configs_and_fit_keys_and_the_paper_cnn_refuses_it():
    assert "local" not in ModelConfig().to_dict()
    on = ModelConfig(arch="resnet", channels=(4, 8, 8, 16), input_size=64, local=True)
    assert on.to_dict()["local"] is True and ModelConfig.from_dict(on.to_dict()) == on
    arrays = (np.arange(3), np.arange(3, 5), np.zeros(5))
    off = ModelConfig(arch="resnet", channels=(4, 8, 8, 16), input_size=64)
    assert fit_key(off, TrainConfig(), *arrays) != fit_key(on, TrainConfig(), *arrays)
    with pytest.raises(ValueError, match="variant of the residual CNN"):
        ModelConfig(arch="paper", local=True)


def test_train_local_records_it_in_the_card(dataset, tmp_path, capsys):
    root, _ = dataset
    out = tmp_path / "model"
    assert main(["train", "--data", str(root), "--local", "--out", str(out), *TINY]) == 0
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    arch = card["architecture"]
    assert arch["name"] == "residual-cnn-gap-local" and arch["receptiveField"] == 31
    assert "31x31 input pixels" in arch["description"]
    assert main(["train", "--data", str(root), "--local", "--arch", "paper", "--out", str(tmp_path / "p"), *TINY]) == 2
    assert "--local is a variant of the residual CNN" in capsys.readouterr().err
