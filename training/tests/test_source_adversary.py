"""The source adversary (`--source-adversary W`, adversary.py): a gradient-reversed head on tumor
images' pooled features; off, nothing changes; with one source of tumors, it cannot run."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuroledger_training import adversary
from neuroledger_training.augment import AugmentV2Config
from neuroledger_training.card import validate_card
from neuroledger_training.cli import main
from neuroledger_training.fitstore import fit_key
from neuroledger_training.inputs import V2Inputs
from neuroledger_training.model import ModelConfig
from neuroledger_training.train import TrainConfig, fit

TINY = ["--epochs", "1", "--channels", "4,8,8,16", "--size", "64", "--no-cache", "--name", "smoke", "--version", "0.0.1"]


def test_reversal_is_the_identity_forward_and_flips_the_gradient_scaled():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = adversary.reverse_gradient(x, 0.25)
    assert torch.equal(y, x.detach())
    (y * torch.tensor([1.0, 2.0, 4.0])).sum().backward()
    assert torch.allclose(x.grad, torch.tensor([-0.25, -0.5, -1.0]))


def test_ramp_starts_at_zero_rises_and_nears_one():
    values = [adversary.ramp(p) for p in np.linspace(0, 1, 11)]
    assert values[0] == 0 and all(b > a for a, b in zip(values, values[1:]))
    assert 0.99 < values[-1] < 1 and abs(adversary.ramp(0.1) - 0.4621) < 1e-4  # 2 / (1 + e^-1) - 1


def test_loss_reads_tumor_images_only_and_reverses_the_network_gradient():
    torch.manual_seed(0)
    head = adversary.SourceAdversary(channels=3, n_sources=2)
    features = torch.randn(4, 3, 2, 2, requires_grad=True)
    tumor = torch.tensor([True, False, True, False])
    a = adversary.source_adversary_loss(head, features, tumor, torch.tensor([0, 0, 1, 1]), 0.5)
    b = adversary.source_adversary_loss(head, features, tumor, torch.tensor([0, 1, 1, 0]), 0.5)  # tumor-free sources moved
    assert torch.equal(a, b)
    plain = F.cross_entropy(head(features[tumor].mean(dim=(2, 3))), torch.tensor([0, 1]))
    assert torch.allclose(a, plain)
    (g_reversed,) = torch.autograd.grad(a, features)
    (g_plain,) = torch.autograd.grad(plain, features)
    assert torch.allclose(g_reversed, -0.5 * g_plain) and g_plain[~tumor].abs().sum() == 0  # tumor-free images untouched
    none = adversary.source_adversary_loss(head, features, torch.zeros(4, dtype=torch.bool), torch.zeros(4, dtype=torch.long), 1.0)
    assert float(none) == 0 and none.requires_grad


def test_off_keeps_fit_keys_and_the_card_says_when_on():
    model_cfg, arrays = ModelConfig(), (np.arange(3), np.arange(3, 5), np.zeros(5))
    assert fit_key(model_cfg, TrainConfig(), *arrays) == fit_key(model_cfg, TrainConfig(source_adversary=0.0), *arrays)
    assert fit_key(model_cfg, TrainConfig(), *arrays) != fit_key(model_cfg, TrainConfig(source_adversary=0.3), *arrays)
    assert "sourceAdversary" not in TrainConfig().to_dict()
    assert TrainConfig(source_adversary=0.3).to_dict()["sourceAdversary"]["weight"] == 0.3
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="source-adversary weight"):
            TrainConfig(source_adversary=bad)


def _tiny_fit(sources: np.ndarray, weight: float):
    rng = np.random.default_rng(0)
    maps = rng.uniform(0, 200, (24, 32, 32)).astype(np.float32)
    labels = np.r_[np.zeros(12, int), np.ones(12, int)]
    cfg = TrainConfig(epochs=1, batch_size=8, learning_rate=1e-2, threads=1, augment=AugmentV2Config(), balance=True,
                      source_adversary=weight)
    model_cfg = ModelConfig(channels=(4, 4, 8, 8), input_size=32, arch="resnet", cam=True)
    return fit(V2Inputs(maps, np.full(24, 600), aug=cfg.augment), labels, np.arange(24), np.arange(1, 24, 2), model_cfg, cfg,
               log=lambda m: None, sources=sources)


def test_fit_trains_differently_with_it_and_refuses_one_source_of_tumors():
    two = np.r_[np.zeros(18, int), np.ones(6, int)]  # tumors 12..17 from source 0, 18..23 from source 1
    off, on = _tiny_fit(two, 0.0), _tiny_fit(two, 1.0)
    assert not torch.equal(off.model.head.weight, on.model.head.weight)
    assert not any(k.startswith("adversary") for k in on.model.state_dict())  # the head is not part of the model
    one = np.r_[np.ones(12, int), np.zeros(12, int)]  # every tumor from source 0
    with pytest.raises(ValueError, match="tumor images from two sources or more; training has 1"):
        _tiny_fit(one, 1.0)


def test_train_records_it_and_leave_one_source_out_runs_without_it(dataset, tmp_path, capsys):
    from synthetic import make_tumor_source

    root, _ = dataset
    tumors = tmp_path / "tumors"
    make_tumor_source(tumors)
    out = tmp_path / "model"
    args = ["train", "--data", f"synthetic={root}", "--data", f"tumors={tumors}", "--loso", "--source-adversary", "0.5",
            "--out", str(out), *TINY]
    assert main(args) == 0
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    assert card["hyperparameters"]["sourceAdversary"]["weight"] == 0.5
    log = (out / "train.log").read_text()
    # Holding out `tumors` leaves one source of tumors (synthetic/yes): that fit is the plain one.
    assert log.count("source adversary off for this fit") == 1
    # One source of tumors: the fit runs without it, and the card does not claim it.
    assert main(["train", "--data", str(root), "--source-adversary", "0.5", "--out", str(tmp_path / "one"), *TINY]) == 0
    assert "sourceAdversary" not in json.loads((tmp_path / "one" / "card.json").read_text())["hyperparameters"]
    assert (tmp_path / "one" / "train.log").read_text().count("source adversary off for this fit") == 1
    assert main(["train", "--data", str(root), "--source-adversary", "-1", "--out", str(tmp_path / "m")]) == 2
    assert "source-adversary weight must be a finite number >= 0" in capsys.readouterr().err


def test_source_readability_reads_a_source_that_is_there_and_not_one_that_is_not():
    from neuroledger_training.source_probe import source_readability

    rng = np.random.default_rng(0)
    src_fit, src_test = np.repeat([0, 1], 60), np.repeat([0, 1], 40)
    shift = np.zeros(8)
    shift[3] = 3.0  # one feature carries the source
    readable = source_readability(rng.normal(size=(120, 8)) + np.outer(src_fit, shift), src_fit,
                                  rng.normal(size=(80, 8)) + np.outer(src_test, shift), src_test)
    assert readable["auroc"] > 0.95 and readable["nFit"] == 120 and readable["nTest"] == 80
    blind = source_readability(rng.normal(size=(120, 8)), src_fit, rng.normal(size=(80, 8)), src_test)
    assert 0.35 < blind["auroc"] < 0.65
    assert source_readability(rng.normal(size=(10, 8)), np.zeros(10, int), rng.normal(size=(10, 8)), np.zeros(10, int)) is None
    assert source_readability(rng.normal(size=(120, 8)), src_fit, rng.normal(size=(80, 8)), src_test + 1) is None  # other sources
