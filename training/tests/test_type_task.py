"""The type task (brain-tumor-mri/type, issue 15): the two-head model and its combined logits, the
loss that leaves the type head alone on untyped images, folder mapping, K-class metrics, the card,
vectors and evaluate, through the CLI on generated sources (three types with boxes and patient folds
beside a no/yes source)."""

import copy
import csv
import json

import numpy as np
import onnx
import pytest
import torch

from neuroledger_training.card import CardError, validate_card
from neuroledger_training.cli import main
from neuroledger_training.data import DataError
from neuroledger_training.heatmap import peak
from neuroledger_training.inputs import PreprocSpec
from neuroledger_training.metrics import multiclass_metrics
from neuroledger_training.model import ModelConfig, TumorTypeCNN, build_model, load_checkpoint
from neuroledger_training.sources import open_sources
from neuroledger_training.tasks import TYPE
from neuroledger_training.train import tumor_type_loss, type_task_weights
from synthetic import make_tumor_source

TYPE_TASK = ["--task", "brain-tumor-mri/type"]
TINY = ["--epochs", "2", "--batch-size", "16", "--channels", "4,8,8,16", "--size", "64", "--no-cache", "--name", "smoke-type",
        "--version", "0.0.1"]
LABELS = ["glioma", "meningioma", "no_tumor", "pituitary"]
GLIOMA, MENINGIOMA, NO_TUMOR, PITUITARY, UNTYPED = range(5)
dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731


def tiny_model(seed: int = 0) -> TumorTypeCNN:
    torch.manual_seed(seed)
    model = build_model(ModelConfig(channels=(4, 8, 8, 16), input_size=64, arch="resnet", cam=True, num_classes=4, head="tumor-type"))
    for head in (model.tumor_head, model.type_head):  # non-trivial weights and biases
        torch.nn.init.normal_(head.weight, std=0.5)
        torch.nn.init.normal_(head.bias, std=0.5)
    return model.eval()


@pytest.fixture(scope="module")
def types(tmp_path_factory):
    root = tmp_path_factory.mktemp("types")
    return root, make_tumor_source(root, per_class=12, classes=("glioma", "meningioma", "pituitary"))


@pytest.fixture(scope="module")
def trained(dataset, types, tmp_path_factory):
    root, _ = dataset
    out = tmp_path_factory.mktemp("type-run") / "model"
    args = ["train", *TYPE_TASK, "--data", f"synthetic={root}", "--data", f"tumors={types[0]}", "--loso", "--out", str(out), *TINY]
    assert main(args) == 0
    return root, out


def test_combined_logits_are_the_two_heads_log_probabilities():
    model = tiny_model()
    x = torch.randn(5, 3, 64, 64)
    with torch.no_grad():
        logits, features = model(x)
        tumor, kind = model.heads(features)
    p_tumor, p_type = torch.softmax(tumor, 1), torch.softmax(kind, 1)
    want = torch.stack([p_tumor[:, 1] * p_type[:, 0], p_tumor[:, 1] * p_type[:, 1], p_tumor[:, 0], p_tumor[:, 1] * p_type[:, 2]], 1)
    assert logits.shape == (5, 4)
    assert torch.allclose(torch.exp(logits), want, atol=1e-6)
    assert torch.allclose(torch.softmax(logits, 1), want, atol=1e-6)  # the logits are already normalised
    assert torch.allclose(torch.softmax(logits, 1).sum(1), torch.ones(5), atol=1e-6)
    # The class maps: no_tumor = the tumor head's "no" map; a type = the "yes" map plus the type's map.
    with torch.no_grad():
        cam, tcam = model.cam(features), model.tumor_cam(features)
        pooled = features.mean(dim=(2, 3))
    assert cam.shape == (5, 4, 8, 8)
    assert torch.allclose(cam[:, NO_TUMOR], tcam[:, 0], atol=1e-6)
    assert torch.allclose(tcam.sum(dim=(2, 3)) + model.tumor_head.bias, tumor, atol=1e-5)
    for out_k, type_k in ((GLIOMA, 0), (MENINGIOMA, 1), (PITUITARY, 2)):
        want_sum = pooled @ (model.tumor_head.weight[1] + model.type_head.weight[type_k])
        assert torch.allclose(cam[:, out_k].sum(dim=(1, 2)), want_sum, atol=1e-5)


def test_type_head_gets_no_loss_from_untyped_or_tumor_free_images():
    model = tiny_model().train()
    x = torch.randn(6, 3, 64, 64)

    def grads(y):
        model.zero_grad()
        _, features = model(x)
        tumor_type_loss(*model.heads(features), torch.tensor(y)).backward()
        return model.type_head.weight.grad, model.tumor_head.weight.grad

    torch.manual_seed(1)
    g_type, g_tumor = grads([UNTYPED, NO_TUMOR, UNTYPED, NO_TUMOR, UNTYPED, UNTYPED])
    assert g_type is None or torch.count_nonzero(g_type) == 0
    assert torch.count_nonzero(g_tumor) > 0  # the tumor head still learns from them
    torch.manual_seed(1)
    g_type, _ = grads([UNTYPED, NO_TUMOR, GLIOMA, NO_TUMOR, PITUITARY, UNTYPED])
    assert torch.count_nonzero(g_type) > 0


def test_loss_values_by_hand():
    tumor = torch.tensor([[2.0, -1.0], [0.5, 0.3], [0.0, 1.0]])
    kind = torch.tensor([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0], [0.3, 0.2, 2.0]])
    y = torch.tensor([NO_TUMOR, UNTYPED, PITUITARY])
    ce = torch.nn.functional.cross_entropy
    want = ce(tumor, torch.tensor([0, 1, 1])) + ce(kind[2:], torch.tensor([2]))
    assert torch.allclose(tumor_type_loss(tumor, kind, y), want)


def test_balanced_sampling_of_the_type_task():
    labels = np.array([NO_TUMOR] * 10 + [UNTYPED] * 10 + [GLIOMA] * 2 + [MENINGIOMA] * 5 + [PITUITARY] * 3)
    sources = np.array([0] * 20 + [1] * 10)
    w = type_task_weights(labels, sources, np.arange(len(labels)))
    share = {c: w[labels == c].sum() for c in range(5)}
    assert share[NO_TUMOR] == pytest.approx(0.5)
    for c in (UNTYPED, GLIOMA, MENINGIOMA, PITUITARY):
        assert share[c] == pytest.approx(0.125)


def test_multiclass_metrics_by_hand():
    y = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    prob = np.eye(4)[[0, 1, 1, 1, 2, 0, 3, 3]] * 0.7 + 0.075
    m = multiclass_metrics(y, prob, LABELS)
    assert m["confusion"] == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 2]]
    assert m["accuracy"] == pytest.approx(6 / 8)
    pc = m["perClass"]
    assert pc["glioma"]["precision"] == pytest.approx(0.5) and pc["glioma"]["recall"] == pytest.approx(0.5)
    assert pc["meningioma"]["precision"] == pytest.approx(2 / 3) and pc["meningioma"]["recall"] == 1.0
    assert pc["no_tumor"]["f1"] == pytest.approx(2 / 3) and pc["pituitary"]["f1"] == 1.0
    assert all(c["support"] == 2 for c in pc.values())
    assert m["f1"] == pytest.approx(np.mean([0.5, 0.8, 2 / 3, 1.0]))
    assert m["recall"] == pytest.approx(np.mean([0.5, 1, 0.5, 1]))
    # specificity of glioma: 5 of 6 negatives not called glioma; meningioma 5/6; no_tumor 6/6; pituitary 6/6
    assert m["specificity"] == pytest.approx(np.mean([5 / 6, 5 / 6, 1, 1]))
    assert pc["pituitary"]["auc"] == 1.0 and 0 <= m["auc"] <= 1
    # A class absent from the truth: its AUC is null, the macro AUC skips it.
    m = multiclass_metrics(np.array([0, 2]), np.eye(4)[[0, 2]], LABELS)
    assert m["perClass"]["meningioma"]["auc"] is None and m["auc"] == 1.0


def test_type_task_folder_mapping_and_errors(dataset, types, tmp_path):
    root, _ = dataset
    sources = open_sources([f"synthetic={root}", f"tumors={types[0]}"], task=TYPE)
    assert sources[0].mapping == {"no": "no_tumor", "yes": "tumor"}
    assert sources[1].mapping == {"glioma": "glioma", "meningioma": "meningioma", "pituitary": "pituitary"}
    odd = tmp_path / "odd"
    for folder in ("astrocytoma", "no"):
        (odd / folder).mkdir(parents=True)
        (odd / folder / "a.png").write_bytes((types[0] / "glioma" / "0.png").read_bytes())
    with pytest.raises(DataError, match=r"'astrocytoma' has no label.*brain-tumor-mri/type.*--map odd:astrocytoma="):
        open_sources([f"odd={odd}", f"tumors={types[0]}"], task=TYPE)
    assert open_sources([f"odd={odd}", f"tumors={types[0]}"], ["astrocytoma=glioma"], task=TYPE)[0].mapping["astrocytoma"] == "glioma"
    with pytest.raises(DataError, match=r"label must be one of .*no_tumor.*got 'yes'"):
        open_sources([f"synthetic={root}", f"tumors={types[0]}"], ["no=yes"], task=TYPE)
    with pytest.raises(DataError, match=r"no source provides label\(s\) \['glioma', 'meningioma', 'pituitary'\]"):
        open_sources([f"synthetic={root}"], task=TYPE)


def test_cli_rejects_the_paper_cnn_and_unknown_tasks(dataset, types, tmp_path, capsys):
    root, _ = dataset
    data = ["--data", f"synthetic={root}", "--data", f"tumors={types[0]}"]
    assert main(["train", *TYPE_TASK, *data, "--arch", "paper", "--out", str(tmp_path / "m"), *TINY]) == 2
    assert "residual CNN" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--task", "brain-tumor-mri/grade", *data, "--out", str(tmp_path / "m"), *TINY])
    assert not (tmp_path / "m").exists()


def test_train_writes_a_type_model(trained):
    _, out = trained
    proto = onnx.load(str(out / "model.onnx"))
    assert [(o.name, dims(o)) for o in proto.graph.output] == [
        ("logits", ["batch", 4]), ("features", ["batch", 16, 8, 8]), ("cam", ["batch", 4, 8, 8])]
    card = json.loads((out / "card.json").read_text())
    validate_card(card)
    assert card["task"] == "brain-tumor-mri/type" and card["labels"] == LABELS and card["positiveLabel"] is None
    assert card["architecture"]["head"] == "gap-tumor-type" and "log_softmax" in card["architecture"]["headFormula"]
    for m in [card["metrics"]["test"], card["metrics"]["validation"], *card["metrics"]["bySource"].values()]:
        assert len(m["confusion"]) == 4 and all(len(r) == 4 for r in m["confusion"])
        assert sorted(m["perClass"]) == LABELS and 0 <= m["specificity"] <= 1
        assert sum(map(sum, m["confusion"])) == m["n"] == sum(c["support"] for c in m["perClass"].values())
    # The test side counts only images with an output label; the untyped tumors are reported apart.
    split = card["data"]["split"]["test"]["classes"]
    assert card["metrics"]["test"]["n"] == sum(split[label] for label in LABELS)
    assert card["data"]["classes"] == {"glioma": 12, "meningioma": 12, "no_tumor": 17, "pituitary": 12, "tumor": 17}
    loso = {e["heldOut"]: e for e in card["metrics"]["leaveOneSourceOut"]}
    assert loso["synthetic"]["metrics"] is None and "no_tumor" in loso["synthetic"]["note"]
    assert loso["tumors"]["metrics"] is None and "glioma" in loso["tumors"]["note"]
    assert card["localization"]["n"] > 0 and card["localization"]["source"] == "in-source test side"


def test_card_rules_of_the_type_task(trained):
    _, out = trained
    card = json.loads((out / "card.json").read_text())
    for broken, match in (
        (dict(card, positiveLabel="glioma"), "has no positive label"),
        (dict(card, labels=LABELS + ["oligodendroglioma"]), "must be 5 x 5"),
        (dict(card, labels=["glioma", "meningioma", "none", "pituitary"]), r"has the labels \['glioma'"),
        (dict(card, task="brain-tumor-mri/grade"), "task"),
    ):
        with pytest.raises(CardError, match=match):
            validate_card(broken)
    no_per_class = copy.deepcopy(card)
    del no_per_class["metrics"]["test"]["perClass"]
    with pytest.raises(CardError, match="metrics/test: a 4-class card needs perClass"):
        validate_card(no_per_class)
    two = copy.deepcopy(card)
    two["metrics"]["validation"]["confusion"] = [[1, 0], [0, 1]]
    with pytest.raises(CardError, match="metrics/validation/confusion: must be 4 x 4"):
        validate_card(two)
    with pytest.raises(CardError, match="needs a positive label"):
        validate_card(dict(card, task="brain-tumor-mri/binary", labels=["no", "yes"], positiveLabel=None))


def test_vectors_round_trip(trained):
    _, out = trained
    doc = json.loads((out / "vectors" / "vectors.json").read_text())
    model, ckpt = load_checkpoint(out / "model.pt")
    spec = PreprocSpec.from_checkpoint(ckpt)
    assert ckpt["labels"] == LABELS and isinstance(model, TumorTypeCNN)
    assert len(doc["items"]) >= 9  # per data label one per source that has it, up to 2, plus the odd framing
    from neuroledger_training.data import decode_rgb

    for item in doc["items"]:
        rgb = decode_rgb(out / "vectors" / item["image"])
        x, region = spec.from_rgb(rgb)
        stored = np.fromfile(out / "vectors" / item["input"], dtype="<f4").reshape(1, 3, 64, 64)
        assert np.array_equal(stored, x[None].numpy())
        with torch.no_grad():
            logits, features = model(torch.from_numpy(stored))
            cam = model.cam(features)[0]
        assert np.allclose(item["logits"], logits[0].numpy(), atol=1e-5)
        probs = torch.softmax(logits, 1)[0]
        assert "probability" not in item and sum(item["probabilities"]) == pytest.approx(1, abs=1e-6)
        assert np.allclose(item["probabilities"], probs.numpy(), atol=1e-6)
        k = int(probs.argmax())
        assert item["predicted"] == LABELS[k]
        assert item["peak"] == list(peak(cam, k, region, 64, rgb.shape[1], rgb.shape[0]))
        assert np.allclose(item["camSum"], cam.double().sum(dim=(1, 2)).numpy(), atol=1e-5)


def test_evaluate_type_task(trained, types, tmp_path, capsys):
    root, out = trained
    pred = tmp_path / "pred.csv"
    assert main(["evaluate", *TYPE_TASK, "--model", str(out), "--data", str(types[0]), "--json", "--predictions", str(pred)]) == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["labels"] == LABELS and m["n"] == 36 and len(m["confusion"]) == 4
    assert [m["perClass"][c]["support"] for c in LABELS] == [12, 12, 0, 12]
    rows = list(csv.DictReader(open(pred)))
    columns = ["file", "label", "predicted", "probability", "peak_x", "peak_y", "p_glioma", "p_meningioma", "p_no_tumor", "p_pituitary"]
    assert len(rows) == 36 and list(rows[0]) == columns
    for r in rows:
        p = [float(r[f"p_{c}"]) for c in LABELS]
        assert sum(p) == pytest.approx(1, abs=1e-5) and r["predicted"] == LABELS[int(np.argmax(p))]
        assert float(r["probability"]) == max(p)
    # Br35H-like no/yes folder: 'yes' has no type: counted apart, not in the 4-class metrics.
    assert main(["evaluate", "--model", str(out), "--data", str(root), "--json"]) == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["untypedTumors"]["n"] == 17 and m["n"] == 17
    # A binary --task against a type model is a clear error.
    assert main(["evaluate", "--task", "brain-tumor-mri/binary", "--model", str(out), "--data", str(root)]) == 2
    assert "is a brain-tumor-mri/type model" in capsys.readouterr().err


def test_patient_folds_holding_every_type_split_by_tumor_or_not(dataset, tmp_path):
    """As in figshare, every patient-wise fold holds all three types: cells per type would have no
    whole groups (the split failed: "class 'figshare/meningioma' has 0 near-duplicate group(s)"); the
    type task splits by (source, tumor or not), whole folds per side, as the binary task does."""
    root, _ = dataset
    types = tmp_path / "types"
    rows = make_tumor_source(types, per_class=12, classes=("glioma", "meningioma", "pituitary"))
    with open(types / "labels.csv", "w") as fh:
        fh.write("file,x_min,y_min,x_max,y_max,cv_fold\n")
        for i, r in enumerate(rows):
            fh.write(f"{r['file']},{r['x_min']},{r['y_min']},{r['x_max']},{r['y_max']},{1 + i % 6}\n")
    out = tmp_path / "model"
    assert main(["train", *TYPE_TASK, "--data", f"synthetic={root}", "--data", f"tumors={types}", "--out", str(out), *TINY,
                 "--epochs", "1"]) == 0
    split = json.loads((out / "card.json").read_text())["data"]["split"]
    assert all(split[side]["bySource"]["tumors"] % 6 == 0 for side in ("train", "validation", "test"))  # whole folds of 6
    assert split["test"]["bySource"]["tumors"] > 0 and split["train"]["bySource"]["tumors"] > 0
