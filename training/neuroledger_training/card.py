"""The model card (card.json, schema neuroledger.model-card/2, or /1 for preprocessing-v1 models)
and its validation against card.schema.json (/2) or card.v1.schema.json (/1)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import jsonschema

from .data import INPUT_SIZE
from .ood import validation_score_problems
from .preprocess_v2 import preprocessing_spec_v2
from .tasks import TASKS

CARD_SCHEMA_ID = "neuroledger.model-card/2"
CARD_SCHEMA_ID_V1 = "neuroledger.model-card/1"
TASK = "brain-tumor-mri/binary"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "card.schema.json"
SCHEMA_PATHS = {CARD_SCHEMA_ID: SCHEMA_PATH, CARD_SCHEMA_ID_V1: SCHEMA_PATH.with_name("card.v1.schema.json")}


class CardError(ValueError):
    pass


@lru_cache(maxsize=2)
def card_schema(schema_id: str = CARD_SCHEMA_ID) -> dict:
    return json.loads(SCHEMA_PATHS[schema_id].read_text())


def validate_card(card: dict) -> None:
    """Raise CardError naming every schema violation and broken cross-field rule."""
    schema_id = card.get("schema") if isinstance(card, dict) else None
    if schema_id not in SCHEMA_PATHS:
        raise CardError(f"card.json is invalid:\n  schema: {schema_id!r} is not one of {sorted(SCHEMA_PATHS)}")
    validator = jsonschema.Draft202012Validator(card_schema(schema_id), format_checker=jsonschema.FormatChecker())
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(card)]
    if not problems:
        problems += _label_problems(card)
        problems += validation_score_problems(card.get("ood") or {})
        lengths = {k: len(v) for k, v in card["curves"].items()}
        if len(set(lengths.values())) > 1:
            problems.append(f"curves have different lengths: {lengths}")
    if problems:
        raise CardError("card.json is invalid:\n  " + "\n  ".join(problems))


def read_card(path: Path) -> dict:
    """card.json as JSON proper (NaN and Infinity, which Python's json would read, are refused, as
    every other reader refuses them), validated (validate_card). Raises CardError naming the problem."""
    def refuse(constant: str):
        raise CardError(f"{path}: {constant} is not JSON (card.json must hold finite numbers)")
    try:
        card = json.loads(Path(path).read_text(), parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise CardError(f"{path} is not JSON: {exc}") from None
    validate_card(card)
    return card


def _metrics_objects(card: dict):
    """(path, metrics object) for every metrics object of the card."""
    m = card["metrics"]
    for side in ("test", "validation"):
        yield f"metrics/{side}", m[side]
    for name, obj in (m.get("bySource") or {}).items():
        yield f"metrics/bySource/{name}", obj
    for i, entry in enumerate(m.get("leaveOneSourceOut") or []):
        if entry.get("metrics") is not None:
            yield f"metrics/leaveOneSourceOut/{i}/metrics", entry["metrics"]


def _label_problems(card: dict) -> list[str]:
    """Cross-field rules of section 14: the positive label is a label (binary task) or null (type
    task); every confusion matrix is K x K and every perClass names exactly the labels."""
    labels, positive, problems = card["labels"], card["positiveLabel"], []
    task = TASKS.get(card["task"])
    if task is not None and list(task.labels) != labels:
        problems.append(f"labels: the task {task.name} has the labels {list(task.labels)}, got {labels}")
    if card["task"] == TASK and positive is None:
        problems.append(f"positiveLabel: the task {TASK} needs a positive label (one of {labels})")
    elif card["task"] != TASK and positive is not None:
        problems.append(f"positiveLabel: the task {card['task']} has no positive label (null), got {positive!r}")
    if positive is not None and positive not in labels:
        problems.append(f"positiveLabel {positive!r} is not one of labels {labels}")
    if card["schema"] != CARD_SCHEMA_ID:
        return problems
    k = len(labels)
    for path, m in _metrics_objects(card):
        if len(m["confusion"]) != k or any(len(row) != k for row in m["confusion"]):
            problems.append(f"{path}/confusion: must be {k} x {k} (one row and column per label)")
        if "perClass" in m and sorted(m["perClass"]) != sorted(labels):
            problems.append(f"{path}/perClass: names {sorted(m['perClass'])}, want the labels {labels}")
        if k > 2 and ("perClass" not in m or "specificity" not in m):
            problems.append(f"{path}: a {k}-class card needs perClass and specificity")
    return problems


def preprocessing_spec(mean: list[float], std: list[float]) -> dict:
    return {
        "decode": {
            "colorSpace": "RGB",
            "bitDepth": 8,
            "grayscale": "replicate",
            "palette": "expand",
            "alpha": "drop",
            "exifOrientation": "ignore",
        },
        "resize": {
            "width": INPUT_SIZE,
            "height": INPUT_SIZE,
            "method": "bilinear",
            "alignCorners": False,
            "antialias": False,
            "keepAspect": False,
            "edge": "clamp",
            "rounding": "none",
            "reference": f'torch.nn.functional.interpolate(x, ({INPUT_SIZE}, {INPUT_SIZE}), mode="bilinear", align_corners=False)',
        },
        "scale": 255,
        "mean": mean,
        "std": std,
        "formula": "x = (x / scale - mean[c]) / std[c]",
        "channelOrder": "RGB",
        "layout": "NCHW",
        "dtype": "float32",
    }


# How the type task's logits and maps follow from its two heads (card `architecture.headFormula`).
TUMOR_TYPE_FORMULA = (
    "pooled = mean over (y, x) of features; tumor head T (rows no, yes), type head Y (rows glioma, meningioma, pituitary); "
    "logits[no_tumor] = log_softmax(T pooled + bT)[no]; logits[t] = log_softmax(T pooled + bT)[yes] + log_softmax(Y pooled + bY)[t] "
    "for t in glioma, meningioma, pituitary; softmax(logits) = exp(logits) = class probabilities. "
    "cam[no_tumor] = T[no] . features / (h w); cam[t] = (T[yes] + Y[t]) . features / (h w); "
    "sum(cam[k]) + bias[k] != logits[k] (log-softmax of two heads)"
)


def architecture_spec(model) -> dict:
    cfg = model.config
    shapes = {
        "convChannels": list(cfg.channels),
        "kernelSize": 3,
        "padding": 1,
        "inputShape": [cfg.in_channels, cfg.input_size, cfg.input_size],
        "featuresShape": [cfg.channels[-1], cfg.feature_size, cfg.feature_size],
        "parameters": model.parameter_count(),
    }
    if cfg.cam:  # card v2 (card v1's architecture is a closed object)
        shapes["receptiveField"] = cfg.receptive_field
    if cfg.arch == "resnet":
        local = (" with 1x1 convolutions after the third stage's stride (local evidence: each feature cell sees "
                 f"{cfg.receptive_field}x{cfg.receptive_field} input pixels)") if cfg.local else ""
        residual = (
            f"conv 3x3 stride 2 ({cfg.channels[0]}) + batch-norm + ReLU, 4 residual basic blocks "
            f"(widths {', '.join(map(str, cfg.channels))}; strides 1, 2, 2, 1){local}, global average pool, dropout {cfg.dropout}"
        )
        common = {**shapes, "batchNorm": True, "pool": "global-average", "dropout": cfg.dropout}
        if cfg.head == "tumor-type":
            return {
                "name": "residual-cnn-gap-tumor-type",
                "description": (
                    f"{residual}, two linear heads: tumor {cfg.channels[-1]} -> 2 (no, yes; every image) and "
                    f"type {cfg.channels[-1]} -> 3 (glioma, meningioma, pituitary; typed images only), combined into 4 "
                    "log-probabilities; trained from scratch"
                ),
                **common,
                "head": "gap-tumor-type",
                "headFormula": TUMOR_TYPE_FORMULA,
            }
        return {
            "name": "residual-cnn-gap-local" if cfg.local else "residual-cnn-gap",
            "description": f"{residual}, linear {cfg.channels[-1]} -> {cfg.num_classes}; trained from scratch",
            **common,
            "head": "gap-linear",
        }
    return {
        "name": "paper-cnn-4block",
        "description": (
            f"{len(cfg.channels)} x [conv {3}x{3} pad 1{' + batch-norm' if cfg.batch_norm else ''} + ReLU + max-pool 2x2], "
            f"flatten, dropout {cfg.dropout}, linear {cfg.channels[-1] * cfg.feature_size ** 2} -> {cfg.num_classes}"
        ),
        **shapes,
        "batchNorm": cfg.batch_norm,
        "pool": "maxpool2x2",
        "dropout": cfg.dropout,
        **({"head": "flatten-linear"} if cfg.cam else {}),
    }


def code_version(repo_dir: Path | None = None) -> dict:
    repo_dir = repo_dir or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_dir, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "neuroledger_training", "card.schema.json"],
            cwd=repo_dir, capture_output=True, text=True, check=True,
        ).stdout.strip()
        return {"version": commit, "dirty": bool(status)}
    except (OSError, subprocess.CalledProcessError):
        return {"version": "unknown", "dirty": True}


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_card(*, name, version, labels, positive_label, model, hyperparameters, spec, onnx_section, metrics, curves, data, code,
               localization=None, ood=None, task: str = TASK) -> dict:
    """A /2 card for preprocessing version 2 (then `localization`, `ood`, `data.sources`,
    `metrics.bySource` and `metrics.leaveOneSourceOut` are required), else a /1 card."""
    v2 = spec.version == 2
    card = {
        "schema": CARD_SCHEMA_ID if v2 else CARD_SCHEMA_ID_V1,
        "name": name,
        "version": version,
        "task": task,
        "labels": labels,
        "positiveLabel": positive_label,
        "architecture": architecture_spec(model),
        "hyperparameters": hyperparameters,
        "preprocessing": preprocessing_spec_v2(spec.size, spec.clip) if v2 else preprocessing_spec(list(spec.mean), list(spec.std)),
        "onnx": onnx_section,
        "metrics": metrics,
        "curves": curves,
        "data": data,
        "code": code,
        "createdAt": now_iso(),
    }
    if v2:
        card["localization"] = localization
        card["ood"] = ood
    validate_card(card)
    return card


def write_card(card: dict, path: Path) -> None:
    validate_card(card)
    tmp = Path(path).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    tmp.replace(path)
