"""Train 1 epoch on the generated set through the CLI, then check every file it wrote."""

import json

import numpy as np
import onnx
import pytest
import torch

from neuroledger_training.card import CardError, validate_card
from neuroledger_training.cli import main
from neuroledger_training.data import preprocess_file
from neuroledger_training.model import load_checkpoint

TINY = ["--epochs", "1", "--channels", "4,8,8,16", "--no-cache", "--name", "smoke", "--version", "0.0.1"]


@pytest.fixture(scope="module")
def trained(dataset, tmp_path_factory):
    root, _ = dataset
    out = tmp_path_factory.mktemp("run") / "model"
    assert main(["train", "--data", str(root), "--out", str(out), *TINY]) == 0
    return root, out


def test_train_writes_every_file(trained):
    _, out = trained
    for name in ("model.onnx", "model.pt", "card.json", "curves.png", "confusion.png", "vectors/vectors.json"):
        assert (out / name).is_file(), name
    assert (out / "train.log").read_text().count("epoch 1/1") == 1
    assert not (out.parent / ".model.partial").exists()


def test_onnx_graph_follows_the_interface(trained):
    _, out = trained
    proto = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(proto)
    assert {o.domain: o.version for o in proto.opset_import}[""] == 17
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [(i.name, dims(i)) for i in proto.graph.input] == [("image", ["batch", 3, 256, 256])]
    assert [(o.name, dims(o)) for o in proto.graph.output] == [("logits", ["batch", 2]), ("features", ["batch", 16, 16, 16])]
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    assert len(convs) == 4
    for node in convs:
        attrs = {a.name: a for a in node.attribute}
        assert "auto_pad" not in attrs and list(attrs["pads"].ints) == [1, 1, 1, 1]


def test_card_matches_schema_and_files(trained):
    _, out = trained
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    assert card["schema"] == "neuroledger.model-card/1" and card["labels"] == ["no", "yes"] and card["positiveLabel"] == "yes"
    import hashlib

    assert card["onnx"]["sha256"] == hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()
    assert card["data"]["unreadable"] == 1 and card["data"]["files"] == 35
    assert card["data"]["dedup"]["groups"] == 32
    split = card["data"]["split"]
    assert split["train"]["n"] + split["validation"]["n"] + split["test"]["n"] == 34
    assert card["metrics"]["test"]["n"] == split["test"]["n"]
    assert len(card["curves"]["epoch"]) == card["hyperparameters"]["epochsRun"] == 1


def test_card_validation_rejects_broken_cards(trained):
    _, out = trained
    card = json.loads((out / "card.json").read_text())
    bad = dict(card, metrics={**card["metrics"], "test": {**card["metrics"]["test"], "accuracy": 99.3}})
    with pytest.raises(CardError, match="metrics/test/accuracy"):
        validate_card(bad)
    with pytest.raises(CardError, match="positiveLabel"):
        validate_card(dict(card, positiveLabel="maybe"))
    with pytest.raises(CardError, match="onnx"):
        validate_card({k: v for k, v in card.items() if k != "onnx"})


def test_vectors_reproduce_preprocessing_and_logits(trained):
    _, out = trained
    doc = json.loads((out / "vectors" / "vectors.json").read_text())
    assert doc["schema"] == "neuroledger.test-vectors/1" and doc["model"] == "model.onnx"
    model, ckpt = load_checkpoint(out / "model.pt")
    assert len(doc["items"]) == 4
    for item in doc["items"]:
        x = np.fromfile(out / "vectors" / item["input"], dtype="<f4")
        assert x.size == 3 * 256 * 256
        again = preprocess_file(out / "vectors" / item["image"], ckpt["mean"], ckpt["std"]).numpy().ravel()
        assert np.abs(again - x).max() <= 1e-6
        with torch.no_grad():
            logits, features = model(torch.from_numpy(x.reshape(1, 3, 256, 256)))
        assert np.abs(logits.numpy()[0] - np.array(item["logits"])).max() <= 1e-5
        assert abs(float(torch.softmax(logits, 1)[0, 1]) - item["probability"]) <= 1e-6
        assert item["featuresShape"] == list(features.shape) == [1, 16, 16, 16]
        assert abs(float(features.double().sum()) - item["featuresSum"]) <= 1e-3 * max(1.0, abs(item["featuresSum"]))


def test_evaluate_json_last_line(trained, capsys):
    root, out = trained
    assert main(["evaluate", "--model", str(out), "--data", str(root), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    for key in ("accuracy", "precision", "recall", "f1"):
        assert 0 <= result[key] <= 1
    assert result["n"] == 34 and result["unreadable"] == 1
    assert sum(map(sum, result["confusion"])) == 34
    assert "broken.jpg" in captured.err


def test_evaluate_rejects_other_labels(trained, tmp_path, capsys):
    _, out = trained
    from PIL import Image

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (30, 30)).save(tmp_path / name / "a.png")
    assert main(["evaluate", "--model", str(out), "--data", str(tmp_path), "--json"]) == 2
    assert "do not match the model's labels" in capsys.readouterr().err


def test_export_reproduces_the_same_model(trained):
    _, out = trained
    before = json.loads((out / "vectors" / "vectors.json").read_text())
    assert main(["export", "--model", str(out)]) == 0
    after = json.loads((out / "vectors" / "vectors.json").read_text())
    assert [i["logits"] for i in after["items"]] == [i["logits"] for i in before["items"]]
    validate_card(json.loads((out / "card.json").read_text()))


def test_bench_writes_table_and_samples(dataset, tmp_path):
    root, _ = dataset
    out, bench = tmp_path / "demo", tmp_path / "bench"
    assert main(["bench", "--data", str(root), "--out", str(out), "--bench-out", str(bench), *TINY, "--kfold", "2"]) == 0
    table = json.loads((bench / "table1.json").read_text())
    rows = {r["model"]: r for r in table["rows"]}
    assert rows["Paper CNN (reported)"]["accuracy"] == 99.3
    card = json.loads((out / "card.json").read_text())
    assert rows["This CNN (test, group split)"]["accuracy"] == round(100 * card["metrics"]["test"]["accuracy"], 2)
    assert table["timing"]["secondsPerEpoch"] > 0 and table["timing"]["trainImagesPerSecond"] > 0
    assert "| This CNN (validation, group split) |" in (bench / "table1.md").read_text()
    assert set(table["residualNearMatches"]) == {"testWithTrainMatchAtLeast0.85", "testWithTrainMatchAtLeast0.9"}
    assert "Residual check" in (bench / "table1.md").read_text()
    assert table["kfold"]["k"] == 2 and len(table["kfold"]["folds"]) == 2
    assert sum(f["n"] for f in table["kfold"]["folds"]) == 34  # test folds cover every image once
    samples = sorted(p.relative_to(out / "samples").as_posix() for p in (out / "samples").rglob("*.jpg"))
    assert 2 <= len(samples) <= 10 and {s.split("/")[0] for s in samples} == {"no", "yes"}
    assert "Ahmed Hamada" in (out / "samples" / "ATTRIBUTION.md").read_text()


def test_bad_options_are_clear_errors(dataset, tmp_path, capsys):
    root, _ = dataset
    assert main(["train", "--data", str(root), "--out", str(tmp_path / "m"), "--epochs", "0"]) == 2
    assert "epochs must be at least 1" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 2
    assert "data folder not found" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
