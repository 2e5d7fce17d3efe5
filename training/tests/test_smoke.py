"""Train 1 epoch on two generated sources through the CLI, then check every file it wrote; the
legacy preprocessing-v1 path (card /1) once more at the end."""

import csv
import hashlib
import json

import numpy as np
import onnx
import pytest
import torch

from neuroledger_training.card import CardError, validate_card
from neuroledger_training.counterfactual import prior_offset
from neuroledger_training.cli import main
from neuroledger_training.data import decode_rgb, preprocess_file
from neuroledger_training.heatmap import peak
from neuroledger_training.inputs import PreprocSpec
from neuroledger_training.model import load_checkpoint
from neuroledger_training.ood import scores
from synthetic import make_tumor_source

TINY = ["--epochs", "1", "--channels", "4,8,8,16", "--size", "64", "--no-cache", "--name", "smoke", "--version", "0.0.1"]
TINY_V1 = ["--preprocessing", "1", "--arch", "paper", "--epochs", "1", "--channels", "4,8,8,16", "--no-cache", "--name", "smoke", "--version", "0.0.1"]
dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731


@pytest.fixture(scope="module")
def tumors(tmp_path_factory):
    root = tmp_path_factory.mktemp("tumors")
    return root, make_tumor_source(root)


@pytest.fixture(scope="module")
def trained(dataset, tumors, tmp_path_factory):
    root, _ = dataset
    out = tmp_path_factory.mktemp("run") / "model"
    args = ["train", "--data", f"synthetic={root}", "--data", f"tumors={tumors[0]}", "--loso", "--out", str(out), *TINY]
    assert main(args) == 0
    return root, out


def test_train_writes_every_file(trained):
    _, out = trained
    for name in ("model.onnx", "model.pt", "card.json", "curves.png", "confusion.png", "vectors/vectors.json"):
        assert (out / name).is_file(), name
    # Two fits: the leave-one-source-out model (tumors held out) and the model itself.
    assert (out / "train.log").read_text().count("epoch 1/1") == 2
    assert not (out.parent / ".model.partial").exists()


def test_onnx_graph_has_logits_features_cam(trained):
    _, out = trained
    proto = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(proto)
    assert {o.domain: o.version for o in proto.opset_import}[""] == 17
    assert [(i.name, dims(i)) for i in proto.graph.input] == [("image", ["batch", 3, 64, 64])]
    assert [(o.name, dims(o)) for o in proto.graph.output] == [
        ("logits", ["batch", 2]), ("features", ["batch", 16, 8, 8]), ("cam", ["batch", 2, 8, 8])]
    for node in proto.graph.node:
        assert all(a.name != "auto_pad" for a in node.attribute), node.name


def test_cam_decomposes_the_logits(trained):
    _, out = trained
    model, _ = load_checkpoint(out / "model.pt")
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        logits, features = model(x)
        cam = model.cam(features)
    assert cam.shape == (3, 2, 8, 8)
    assert torch.allclose(cam.sum(dim=(2, 3)) + model.head.bias, logits, atol=1e-5)


def test_card_v2_has_every_section(trained, tumors):
    _, out = trained
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    assert card["schema"] == "neuroledger.model-card/2" and card["labels"] == ["no", "yes"]
    assert card["onnx"]["sha256"] == hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()
    assert [o["name"] for o in card["onnx"]["outputs"]] == ["logits", "features", "cam"]
    assert card["preprocessing"]["version"] == 2 and card["preprocessing"]["resize"]["width"] == 64
    assert card["preprocessing"]["normalize"] == {"method": "head-standardize", "headThreshold": "v > max(R+G+B) / 30", "clip": 5.0}
    assert card["architecture"]["head"] == "gap-linear" and card["architecture"]["featuresShape"] == [16, 8, 8]
    sources = {s["name"]: s for s in card["data"]["sources"]}
    assert set(sources) == {"synthetic", "tumors"}
    assert sources["tumors"]["classes"] == {"glioma": 8, "pituitary": 8}
    assert sources["tumors"]["mapping"] == {"glioma": "yes", "pituitary": "yes"}
    assert sources["synthetic"]["unreadable"] == 1 and sources["tumors"]["boxes"] == 16
    assert len({s["fingerprint"] for s in sources.values()} | {card["data"]["fingerprint"]}) == 3
    assert card["data"]["classes"] == {"no": 17, "yes": 33}
    loso = {e["heldOut"]: e for e in card["metrics"]["leaveOneSourceOut"]}
    assert loso["synthetic"]["metrics"] is None and "only source" in loso["synthetic"]["note"]
    assert loso["tumors"]["trainedOn"] == ["synthetic"] and loso["tumors"]["metrics"]["n"] == 16
    assert 0 <= loso["tumors"]["sensitivity"] <= 1 and 0 <= loso["tumors"]["specificity"] <= 1
    assert set(card["metrics"]["bySource"]) == {"synthetic", "tumors"}
    assert sum(m["n"] for m in card["metrics"]["bySource"].values()) == card["metrics"]["test"]["n"]
    loc = card["localization"]
    assert loc["method"] == "cam" and loc["n"] == 16 and loc["source"].startswith("tumors")
    ood = card["ood"]
    assert len(ood["mean"]) == len(ood["var"]) == 16 and min(ood["var"]) > 0 and ood["threshold"] >= 0
    assert ood["method"] == "gap-cosine-or-mahalanobis" and 1 <= len(ood["prototypes"]) <= 64 and ood["minMembers"] == 10
    assert all(abs(np.linalg.norm(p) - 1) < 1e-9 for p in ood["prototypes"]) and ood["cosineScale"] <= 2
    assert ood["heldOutAuroc"] is None or 0 <= ood["heldOutAuroc"] <= 1


def test_patient_folds_stay_on_one_side(trained, tumors):
    _, out = trained
    card = json.loads((out / "card.json").read_text())
    split = card["data"]["split"]
    # 16 tumor images in 8 folds of 2: every side holds whole folds, so even counts.
    assert all(split[side]["bySource"]["tumors"] % 2 == 0 for side in ("train", "validation", "test"))
    assert card["data"]["dedup"]["patientGrouping"] == {"synthetic": "none", "tumors": "cv_fold"}


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
    with pytest.raises(CardError, match="ood"):
        validate_card({k: v for k, v in card.items() if k != "ood"})
    with pytest.raises(CardError, match="ood/var/0"):
        validate_card(dict(card, ood={**card["ood"], "var": [0.0] * 16}))
    with pytest.raises(CardError, match="schema"):
        validate_card(dict(card, schema="neuroledger.model-card/3"))


def test_vectors_v2_reproduce_preprocessing_cam_peak_and_ood(trained):
    _, out = trained
    doc = json.loads((out / "vectors" / "vectors.json").read_text())
    card = json.loads((out / "card.json").read_text())
    assert doc["schema"] == "neuroledger.test-vectors/1" and doc["model"] == "model.onnx"
    model, ckpt = load_checkpoint(out / "model.pt")
    spec = PreprocSpec.from_checkpoint(ckpt)
    assert spec.version == 2 and spec.size == 64
    assert len(doc["items"]) >= 5  # per label one per source that has it, up to 2, plus the odd framing
    sizes = set()
    for item in doc["items"]:
        rgb = decode_rgb(out / "vectors" / item["image"])
        sizes.add(rgb.shape[0] == rgb.shape[1])
        x = np.fromfile(out / "vectors" / item["input"], dtype="<f4")
        assert x.size == 3 * 64 * 64
        again, region = spec.from_rgb(rgb)
        assert np.abs(again.numpy().ravel() - x).max() <= 1e-6
        assert item["region"] == region.to_dict()
        with torch.no_grad():
            logits, features = model(torch.from_numpy(x.reshape(1, 3, 64, 64)))
            cam = model.cam(features)[0]
        assert np.abs(logits.numpy()[0] - np.array(item["logits"])).max() <= 1e-5
        assert np.abs(cam.double().sum(dim=(1, 2)).numpy() + model.head.bias.detach().double().numpy() - np.array(item["logits"])).max() <= 1e-5
        assert item["peak"] == list(peak(cam, 1, region, 64, rgb.shape[1], rgb.shape[0]))
        assert 0 <= item["peak"][0] < rgb.shape[1] and 0 <= item["peak"][1] < rgb.shape[0]
        g = features.double().mean(dim=(2, 3)).numpy()
        assert abs(scores(g, card["ood"])[0] - item["oodScore"]) <= 1e-9 * max(1, item["oodScore"])
    assert sizes == {True, False}  # square slices and the non-square odd framing


def test_evaluate_json_and_predictions(trained, tumors, tmp_path, capsys):
    root, out = trained
    pred = tmp_path / "sub" / "pred.csv"
    assert main(["evaluate", "--model", str(out), "--data", str(root), "--json", "--predictions", str(pred)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    for key in ("accuracy", "precision", "recall", "f1"):
        assert 0 <= result[key] <= 1
    assert result["n"] == 34 and result["unreadable"] == 1 and sum(map(sum, result["confusion"])) == 34
    assert "broken.jpg" in captured.err
    with open(pred, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["file", "label", "predicted", "probability", "peak_x", "peak_y"]
    assert len(rows) == 34 and not any(r["file"] == "yes/broken.jpg" for r in rows)
    for r in rows:
        assert r["file"].split("/")[0] == r["label"] and (root / r["file"]).is_file()
        rgb = decode_rgb(root / r["file"])
        assert 0 <= int(r["peak_x"]) < rgb.shape[1] and 0 <= int(r["peak_y"]) < rgb.shape[0]
        assert r["predicted"] == ("yes" if float(r["probability"]) >= 0.5 else "no")
    assert sum(r["predicted"] == r["label"] for r in rows) == result["confusion"][0][0] + result["confusion"][1][1]
    # A tumor-only source: its folders map to "yes" by default.
    assert main(["evaluate", "--model", str(out), "--data", str(tumors[0]), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n"] == 16 and result["confusion"][0] == [0, 0] and result["auc"] is None


def test_evaluate_rejects_other_labels(trained, tmp_path, capsys):
    _, out = trained
    from PIL import Image

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (30, 30)).save(tmp_path / name / "a.png")
    assert main(["evaluate", "--model", str(out), "--data", str(tmp_path), "--json"]) == 2
    assert "do not match the model's labels" in capsys.readouterr().err
    # ... unless the user maps them.
    assert main(["evaluate", "--model", str(out), "--data", str(tmp_path), "--map", "cat=no", "--map", "dog=yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n"] == 2


def test_export_reproduces_the_same_model(trained):
    _, out = trained
    before = json.loads((out / "vectors" / "vectors.json").read_text())
    assert main(["export", "--model", str(out)]) == 0
    after = json.loads((out / "vectors" / "vectors.json").read_text())
    assert after == before
    validate_card(json.loads((out / "card.json").read_text()))


def test_bench_writes_table_and_samples(dataset, tumors, tmp_path):
    root, _ = dataset
    out, bench = tmp_path / "demo", tmp_path / "bench"
    args = ["bench", "--data", f"synthetic={root}", "--data", f"tumors={tumors[0]}", "--out", str(out), "--bench-out", str(bench),
            *TINY, "--no-loso", "--paper-minutes", "0.01", "--paper-channels", "4,8,8,16", "--paper-size", "64"]
    assert main(args) == 0
    table = json.loads((bench / "table1.json").read_text())
    rows = {r["model"]: r for r in table["rows"]}
    assert rows["Paper CNN (reported)"]["accuracy"] == 99.3
    card = json.loads((out / "card.json").read_text())
    assert rows["Residual CNN (demo) (test, group split)"]["accuracy"] == round(100 * card["metrics"]["test"]["accuracy"], 2)
    assert rows["Paper CNN on our split (test)"]["n"] == card["metrics"]["test"]["n"]
    assert set(table["paperCnn"]["gapToPaper"]) == {"accuracy", "precision", "recall", "f1"}
    assert table["paperCnn"]["architecture"]["name"] == "paper-cnn-4block"
    # (The leave-one-source-out fits are the same function as train --loso, tested above.)
    assert [e["heldOut"] for e in table["leaveOneSourceOut"]] == ["synthetic", "tumors"]
    assert all("not run" in e["note"] for e in table["leaveOneSourceOut"])
    validation = table["localization"]["validation"]
    assert validation["source"] == "in-source validation side" and validation["n"] > 0
    assert 0 <= validation["pointingGame"] <= 1 and 0 <= validation["heatInBox"] <= 1
    removal = table["tumorRemoval"]["validation"]["tumors"]  # the source with boxes; synthetic has none
    assert removal["n"] == validation["n"]
    # synthetic has the tumor-free images: the fill's negative control runs on them (it has no boxes of its own).
    free = table["tumorRemoval"]["validation"]["synthetic"]["tumorFreeFill"]
    assert "n" not in table["tumorRemoval"]["validation"]["synthetic"] and free["n"] > 0 and 0 <= free["calledTumorWithFill"] <= 1
    assert all(0 <= removal[k] <= 1 for k in ("calledTumor", "calledTumorTumorRemoved", "calledTumorControlFill"))
    # Both generated sources give tumors: how readable their source is from the features is measured.
    readable = table["sourceReadability"]
    assert 0 <= readable["auroc"] <= 1 and readable["nFit"] > 0 and readable["nTest"] > 0
    md = (bench / "table1.md").read_text()
    for text in ("Source readability of the tumor images", "## Leave-one-source-out", "| tumors | synthetic |", "pointing game",
                 "Paper CNN on our split", "Residual check", "| in-source validation side |", "## Tumor-removal probe",
                 "| validation side (this model) | tumors |", "| validation side (this model) | synthetic | 0 | – |"):
        assert text in md, text
    samples = sorted(p.relative_to(out / "samples").as_posix() for p in (out / "samples").rglob("*.jpg"))
    assert 2 <= len(samples) <= 10 and {s.split("/")[0] for s in samples} == {"no", "yes"}
    assert "Ahmed Hamada" in (out / "samples" / "ATTRIBUTION.md").read_text()


def test_legacy_v1_path_still_trains_a_v1_card(dataset, tmp_path):
    root, _ = dataset
    out = tmp_path / "v1"
    assert main(["train", "--data", str(root), "--out", str(out), *TINY_V1]) == 0
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    assert card["schema"] == "neuroledger.model-card/1" and "ood" not in card
    assert card["data"]["files"] == 35 and card["data"]["unreadable"] == 1 and card["data"]["dedup"]["groups"] == 32
    proto = onnx.load(str(out / "model.onnx"))
    assert [(o.name, dims(o)) for o in proto.graph.output] == [("logits", ["batch", 2]), ("features", ["batch", 16, 16, 16])]
    doc = json.loads((out / "vectors" / "vectors.json").read_text())
    model, ckpt = load_checkpoint(out / "model.pt")
    for item in doc["items"]:
        x = np.fromfile(out / "vectors" / item["input"], dtype="<f4")
        again = preprocess_file(out / "vectors" / item["image"], ckpt["mean"], ckpt["std"]).numpy().ravel()
        assert np.abs(again - x).max() <= 1e-6 and "region" not in item
    assert main(["evaluate", "--model", str(out), "--data", str(root), "--predictions", str(tmp_path / "p.csv")]) == 0
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 35


def test_bad_options_are_clear_errors(dataset, tumors, tmp_path, capsys):
    root, _ = dataset
    assert main(["train", "--data", str(root), "--out", str(tmp_path / "m"), "--epochs", "0"]) == 2
    assert "epochs must be at least 1" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 2
    assert "data folder not found" in capsys.readouterr().err
    assert main(["train", "--data", f"a={root}", "--data", f"a={tumors[0]}", "--out", str(tmp_path / "m")]) == 2
    assert "two --data sources are named 'a'" in capsys.readouterr().err
    assert main(["train", "--data", f"t={tumors[0]}", "--out", str(tmp_path / "m")]) == 2
    assert "no source provides label(s) ['no']" in capsys.readouterr().err
    assert main(["train", "--data", f"s={root}", "--data", f"t={tumors[0]}", "--map", "t:glioma=maybe", "--out", str(tmp_path / "m")]) == 2
    assert "label must be one of" in capsys.readouterr().err
    assert main(["train", "--data", f"s={root}", "--map", "x:glioma=no", "--out", str(tmp_path / "m")]) == 2
    assert "unknown source(s): x" in capsys.readouterr().err
    assert main(["train", "--data", f"s={root}", "--preprocessing", "1", "--out", str(tmp_path / "m")]) == 2
    assert "use --arch paper" in capsys.readouterr().err
    assert main(["train", "--data", str(root), "--out", str(tmp_path / "m"), *TINY_V1, "--counterfactual", "0.3"]) == 2
    assert "--counterfactual is for the binary task with preprocessing 2" in capsys.readouterr().err
    assert main(["train", "--data", f"s={root}", "--out", str(tmp_path / "m"), "--counterfactual", "2"]) == 2
    assert "counterfactual must be a probability" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_counterfactual_training_records_itself_in_the_card(dataset, tumors, tmp_path):
    root, _ = dataset
    out = tmp_path / "cf"
    assert main(["train", "--data", f"synthetic={root}", "--data", f"tumors={tumors[0]}", "--out", str(out), *TINY,
                 "--counterfactual", "0.5"]) == 0
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    removal = card["hyperparameters"]["augmentation"]["counterfactualTumorRemoval"]
    assert removal["probability"] == 0.5
    # The synthetic tumors all have boxes and room beside them: removal shifted the prior, and the bias undoes it.
    correction = removal["priorCorrection"]
    assert correction["yesShareDrawn"] == pytest.approx(0.5) and 0 < correction["removableShare"] <= 0.5
    assert correction["logitOffset"] == pytest.approx(prior_offset(0.5, 0.5, correction["removableShare"]))


def test_retraining_into_a_model_folder_keeps_the_attribution_of_its_vector_images(dataset, tmp_path):
    # The bench rewrites models/demo/ (vectors/ included); the vector images' attribution is written
    # by hand and must survive (it was deleted by every retrain).
    root, _ = dataset
    out = tmp_path / "m"
    assert main(["train", "--data", str(root), "--out", str(out), *TINY]) == 0
    (out / "vectors" / "ATTRIBUTION.md").write_text("# attribution\n")
    assert main(["train", "--data", str(root), "--out", str(out), *TINY]) == 0
    assert (out / "vectors" / "ATTRIBUTION.md").read_text() == "# attribution\n"
    assert any(p.suffix == ".png" for p in (out / "vectors").iterdir())
