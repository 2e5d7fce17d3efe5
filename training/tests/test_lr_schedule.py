"""The learning-rate schedule (`TrainConfig.lr_schedule`) and the fit keys it must not disturb."""

import numpy as np
import pytest

from neuroledger_training.augment import AugmentV2Config
from neuroledger_training.fitstore import fit_key
from neuroledger_training.inputs import V2Inputs
from neuroledger_training.model import ModelConfig
from neuroledger_training.train import TrainConfig, fit


def test_cosine_goes_from_the_learning_rate_to_zero_by_the_larger_progress():
    cfg = TrainConfig(epochs=10, learning_rate=2e-3, max_minutes=1.0, lr_schedule="cosine")
    assert cfg.learning_rate_at(0.0) == pytest.approx(2e-3)
    assert cfg.learning_rate_at(0.5) == pytest.approx(1e-3)
    assert cfg.learning_rate_at(1.0) == pytest.approx(0.0, abs=1e-12)
    assert cfg.progress(3, 0.5, 0.0) == pytest.approx(0.25)  # epochs ahead of time
    assert cfg.progress(1, 0.0, 45.0) == pytest.approx(0.75)  # time ahead of epochs
    assert cfg.progress(1, 0.0, 600.0) == 1.0  # past the budget: clamped
    constant = TrainConfig(learning_rate=2e-3)
    assert constant.learning_rate_at(0.9) == 2e-3
    assert "learningRateSchedule" not in constant.to_dict()
    assert "cosine" in cfg.to_dict()["learningRateSchedule"]
    with pytest.raises(ValueError, match="learning-rate schedule must be one of constant, cosine"):
        TrainConfig(lr_schedule="step")


def test_fit_keys_of_constant_fits_are_those_made_before_the_option():
    # Fits trained elsewhere are found by key (training/bench/fits): the default must keep old keys.
    m = ModelConfig(channels=[4, 8, 8, 16], input_size=64, arch="resnet", cam=True)
    t = TrainConfig(epochs=3, learning_rate=2e-3, max_minutes=1.0, augment=AugmentV2Config(), balance=True)
    idx = (np.arange(10), np.arange(10, 14), np.array([0, 1] * 7))
    assert fit_key(m, t, *idx) == "b35b38f46f37e18ff8c61c95066b41f0"  # computed before lr_schedule existed
    cosine = TrainConfig(**{**t.__dict__, "lr_schedule": "cosine"})
    assert fit_key(m, cosine, *idx) != fit_key(m, t, *idx)


def test_cosine_schedule_changes_training():
    rng = np.random.default_rng(0)
    maps = rng.uniform(0, 200, (24, 32, 32)).astype(np.float32)
    labels = np.r_[np.zeros(12, int), np.ones(12, int)]
    model_cfg = ModelConfig(channels=(4, 4, 8, 8), input_size=32, arch="resnet", cam=True)

    def weights(schedule: str):
        cfg = TrainConfig(epochs=2, batch_size=8, learning_rate=1e-2, threads=1, lr_schedule=schedule,
                          augment=AugmentV2Config(), patience=5)
        inputs = V2Inputs(maps, np.full(24, 600), aug=cfg.augment)
        r = fit(inputs, labels, np.arange(0, 24, 2), np.arange(1, 24, 2), model_cfg, cfg, log=lambda m: None)
        return r.model.head.weight.detach().clone()

    assert not np.allclose(weights("constant").numpy(), weights("cosine").numpy())


def test_bench_paper_row_keeps_the_papers_constant_rate():
    from neuroledger_training.cli import build_parser, configs

    args = build_parser().parse_args(["bench", "--data", "a=x", "--lr-schedule", "cosine"])
    assert configs(args)[1].lr_schedule == "cosine"  # the residual CNN (bench's model)
    assert configs(args, arch="paper")[1].lr_schedule == "constant"  # the paper CNN row: Adam 1e-4, constant
    paper = build_parser().parse_args(["train", "--data", "a=x", "--out", "o", "--arch", "paper", "--lr-schedule", "cosine"])
    assert configs(paper)[1].lr_schedule == "cosine"  # asked for on the paper CNN itself: honoured


def test_the_card_names_the_schedule(dataset, tmp_path):
    import json

    from neuroledger_training.cli import main

    root, _ = dataset
    common = ["--data", str(root), "--epochs", "1", "--channels", "4,8,8,16", "--size", "64", "--no-cache"]
    assert main(["train", *common, "--out", str(tmp_path / "c"), "--lr-schedule", "cosine"]) == 0
    card = json.loads((tmp_path / "c" / "card.json").read_text())
    assert card["hyperparameters"]["learningRateSchedule"].startswith("cosine")
    assert main(["train", *common, "--out", str(tmp_path / "k")]) == 0
    assert "learningRateSchedule" not in json.loads((tmp_path / "k" / "card.json").read_text())["hyperparameters"]
