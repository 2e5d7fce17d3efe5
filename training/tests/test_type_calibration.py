"""The type task's tumor cut-off (issue 15, `calibrate`): one offset b on the tumor head's "no" logit,
chosen on the validation side by the early-stopping criterion, baked into the bias; the model folder
is rewritten from the calibrated model. Generated sources (no/yes + three types with boxes)."""

import json
import shutil

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

import neuroledger_training.calibrate as calibrate
from neuroledger_training.calibrate import OFFSET_GRID, apply_no_offset, choose_no_offset, offset_probabilities
from neuroledger_training.card import validate_card
from neuroledger_training.cli import main
from neuroledger_training.dedup import DedupConfig
from neuroledger_training.model import load_checkpoint
from neuroledger_training.pipeline import prepare, split_of
from neuroledger_training.sources import open_sources
from neuroledger_training.tasks import TYPE
from neuroledger_training.train import type_validation
from synthetic import make_tumor_source

TYPE_TASK = ["--task", "brain-tumor-mri/type"]
TINY = ["--epochs", "15", "--lr", "1e-2", "--batch-size", "16", "--channels", "4,8,8,16", "--size", "64", "--no-cache", "--name", "smoke-type",
        "--version", "0.0.1"]
GLIOMA, MENINGIOMA, NO_TUMOR, PITUITARY, UNTYPED = range(5)
SKEW = 4.0  # taken off the trained model's "no" bias: it then calls (nearly) everything a tumor


def heads_with_a_yes_bias(n: int = 400, bias: float = -2.0, seed: int = 0):
    """Head logits of n images whose tumor head separates no/yes well but leans to yes by `bias`."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 5, n)
    margin = np.where(y == NO_TUMOR, 1.5, -1.5) + rng.normal(0, 1.0, n) + bias  # no-logit minus yes-logit
    tumor = torch.tensor(np.stack([margin, np.zeros(n)], 1))
    kind = torch.tensor(rng.normal(0, 1, (n, 3)))
    kind[y == GLIOMA, 0] += 3
    kind[y == MENINGIOMA, 1] += 3
    kind[y == PITUITARY, 2] += 3
    return tumor, kind, y


def test_the_offset_is_the_best_of_the_grid_on_the_images_given():
    tumor, kind, y = heads_with_a_yes_bias()
    choice = choose_no_offset(tumor, kind, y)
    scores = {float(b): type_validation(y, offset_probabilities(tumor, kind, float(b)))[1] for b in OFFSET_GRID}
    assert choice["score"] == pytest.approx(max(scores.values()))
    assert scores[choice["offset"]] == pytest.approx(max(scores.values()))
    assert choice["scoreAtZero"] == pytest.approx(scores[0.0]) and choice["score"] > choice["scoreAtZero"] + 0.05
    assert 0.5 < choice["offset"] < 4  # undoes the lean to yes


def test_no_offset_when_zero_is_already_best():
    tumor, kind, y = heads_with_a_yes_bias(bias=0.0)
    tumor[:, 0] = torch.as_tensor(np.where(y == NO_TUMOR, 10.0, -10.0))  # perfectly separated around 0
    choice = choose_no_offset(tumor, kind, y)
    assert choice["offset"] == 0.0 and choice["score"] == choice["scoreAtZero"]


def test_no_validation_images_is_an_error():
    tumor, kind, y = heads_with_a_yes_bias(n=0)
    with pytest.raises(ValueError, match="no validation images"):
        choose_no_offset(tumor, kind, y)


def test_offset_probabilities_are_those_of_the_baked_model():
    from test_type_task import tiny_model

    model = tiny_model()
    x = torch.randn(5, 3, 64, 64)
    with torch.no_grad():
        _, features = model(x)
        pooled = features.double().mean(dim=(2, 3)).numpy()
    tumor, kind = calibrate.head_logits(model, pooled)
    expected = offset_probabilities(tumor, kind, 1.25)
    apply_no_offset(model, 1.25)
    with torch.no_grad():
        got = torch.softmax(model(x)[0], dim=1).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.fixture(scope="module")
def sources(dataset, tmp_path_factory):
    root, _ = dataset
    types = tmp_path_factory.mktemp("cal-types")
    make_tumor_source(types, per_class=12, classes=("glioma", "meningioma", "pituitary"))
    return root, types


@pytest.fixture(scope="module")
def skewed(sources, tmp_path_factory):
    """A trained tiny type model whose tumor head then leans to yes by SKEW (a cut-off to fix)."""
    root, types = sources
    out = tmp_path_factory.mktemp("cal-run") / "model"
    assert main(["train", *TYPE_TASK, "--data", f"synthetic={root}", "--data", f"tumors={types}", "--out", str(out), *TINY]) == 0
    ckpt = torch.load(out / "model.pt", map_location="cpu")
    ckpt["state_dict"]["tumor_head.bias"][0] -= SKEW
    torch.save(ckpt, out / "model.pt")
    return out


def data_args(sources):
    root, types = sources
    return ["--data", f"synthetic={root}", "--data", f"tumors={types}", "--no-cache"]


def test_calibrate_chooses_on_validation_only_and_rewrites_the_model(skewed, sources, tmp_path, monkeypatch):
    model_dir = tmp_path / "model"
    shutil.copytree(skewed, model_dir)
    (model_dir / "vectors" / "ATTRIBUTION.md").write_text("attribution\n")
    bench = tmp_path / "bench"
    bench.mkdir()
    old_card = json.loads((model_dir / "card.json").read_text())
    before_bias = torch.load(model_dir / "model.pt", map_location="cpu")["state_dict"]["tumor_head.bias"].clone()

    inferred, chosen_on = [], []
    real_infer, real_choose = calibrate.infer, calibrate.choose_no_offset
    monkeypatch.setattr(calibrate, "infer", lambda model, inputs, idx, **kw: inferred.append(np.array(idx)) or real_infer(model, inputs, idx, **kw))
    monkeypatch.setattr(calibrate, "choose_no_offset", lambda t, k, y, *a: chosen_on.append(np.array(y)) or real_choose(t, k, y, *a))
    assert main(["calibrate", "--model", str(model_dir), *data_args(sources), "--bench-out", str(bench)]) == 0

    # What the choice saw: the validation side's images of the model's own split, nothing of the test side.
    root, types = sources
    ds = prepare(open_sources([f"synthetic={root}", f"tumors={types}"], [], TYPE), 2, 64, None, DedupConfig(), lambda m: None)
    split, _, _ = split_of(ds, 0, lambda m: None)
    assert len(inferred) == 1 and np.array_equal(inferred[0], split.validation)
    assert not set(inferred[0].tolist()) & set(split.test.tolist())
    assert len(chosen_on) == 1 and np.array_equal(chosen_on[0], ds.labels[split.validation])

    card = json.loads((model_dir / "card.json").read_text())
    validate_card(card)
    cal = card["architecture"]["calibration"]
    b = cal["noLogitOffset"]
    assert b > 0 and cal["chosenOn"] == "validation" and "early-stopping" in cal["criterion"]
    assert cal["validationCriterion"]["after"] > cal["validationCriterion"]["before"]
    assert f"b = {b:g} chosen on validation" in card["architecture"]["headFormula"]
    # Baked into the bias of "no" (only): model.pt and the ONNX carry it.
    model, _ = load_checkpoint(model_dir / "model.pt")
    assert model.tumor_head.bias[0].item() == pytest.approx(before_bias[0].item() + b, abs=1e-5)
    assert model.tumor_head.bias[1].item() == pytest.approx(before_bias[1].item())
    proto = onnx.load(str(model_dir / "model.onnx"))
    onnx_biases = [numpy_helper.to_array(t) for t in proto.graph.initializer if t.name.endswith("tumor_head.bias")]
    assert len(onnx_biases) == 1 and np.allclose(onnx_biases[0], model.tumor_head.bias.detach().numpy())
    assert card["onnx"]["sha256"] != old_card["onnx"]["sha256"] == cal["uncalibratedOnnxSha256"]
    # The validation figures are the calibrated model's: its criterion is the one the choice reported.
    val_recalls = [row[i] / sum(row) for i, row in enumerate(card["metrics"]["validation"]["confusion"]) if sum(row)]
    assert np.mean(val_recalls) >= np.mean([row[i] / sum(row) for i, row in enumerate(old_card["metrics"]["validation"]["confusion"])
                                            if sum(row)])
    assert card["hyperparameters"] == old_card["hyperparameters"] and card["data"]["split"] == old_card["data"]["split"]
    assert (model_dir / "vectors" / "ATTRIBUTION.md").read_text() == "attribution\n"
    table = json.loads((bench / "type.json").read_text())
    assert table["calibration"]["uncalibratedTest"] == old_card["metrics"]["test"] and table["test"] == card["metrics"]["test"]
    assert "uncalibrated" in (bench / "type.md").read_text()

    # Calibrating twice would stack offsets: refused.
    assert main(["calibrate", "--model", str(model_dir), *data_args(sources)]) == 2


def test_calibrate_refuses_other_data_and_binary_models(skewed, sources, dataset, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(skewed, model_dir)
    root, _ = sources
    other = tmp_path / "other-types"  # the same kind of source, other images: another split, another validation side
    make_tumor_source(other, per_class=12, seed=7, classes=("glioma", "meningioma", "pituitary"))
    assert main(["calibrate", "--model", str(model_dir), "--data", f"synthetic={root}", "--data", f"tumors={other}", "--no-cache"]) == 2
    assert "differ from the model's run" in capsys.readouterr().err
    assert json.loads((model_dir / "card.json").read_text()) == json.loads((skewed / "card.json").read_text())
    assert not (model_dir / ".model.partial").exists()
    binary = tmp_path / "binary"
    assert main(["train", "--data", f"synthetic={root}", "--out", str(binary), "--epochs", "1", "--channels", "4,8,8,16", "--size", "64",
                 "--no-cache"]) == 0
    assert main(["calibrate", "--model", str(binary), "--data", f"synthetic={root}", "--no-cache"]) == 2
    assert "not a type task model" in capsys.readouterr().err
