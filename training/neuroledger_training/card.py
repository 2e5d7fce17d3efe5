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
from .preprocess_v2 import preprocessing_spec_v2

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
        if card["positiveLabel"] not in card["labels"]:
            problems.append(f"positiveLabel {card['positiveLabel']!r} is not one of labels {card['labels']}")
        lengths = {k: len(v) for k, v in card["curves"].items()}
        if len(set(lengths.values())) > 1:
            problems.append(f"curves have different lengths: {lengths}")
    if problems:
        raise CardError("card.json is invalid:\n  " + "\n  ".join(problems))


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


def architecture_spec(model) -> dict:
    cfg = model.config
    if cfg.arch == "resnet":
        return {
            "name": "residual-cnn-gap",
            "description": (
                f"conv 3x3 stride 2 ({cfg.channels[0]}) + batch-norm + ReLU, 4 residual basic blocks "
                f"(widths {', '.join(map(str, cfg.channels))}; strides 1, 2, 2, 1), global average pool, "
                f"dropout {cfg.dropout}, linear {cfg.channels[-1]} -> {cfg.num_classes}; trained from scratch"
            ),
            "convChannels": list(cfg.channels),
            "kernelSize": 3,
            "padding": 1,
            "batchNorm": True,
            "pool": "global-average",
            "dropout": cfg.dropout,
            "head": "gap-linear",
            "inputShape": [cfg.in_channels, cfg.input_size, cfg.input_size],
            "featuresShape": [cfg.channels[-1], cfg.feature_size, cfg.feature_size],
            "parameters": model.parameter_count(),
        }
    return {
        "name": "paper-cnn-4block",
        "description": (
            f"{len(cfg.channels)} x [conv {3}x{3} pad 1{' + batch-norm' if cfg.batch_norm else ''} + ReLU + max-pool 2x2], "
            f"flatten, dropout {cfg.dropout}, linear {cfg.channels[-1] * cfg.feature_size ** 2} -> {cfg.num_classes}"
        ),
        "convChannels": list(cfg.channels),
        "kernelSize": 3,
        "padding": 1,
        "batchNorm": cfg.batch_norm,
        "pool": "maxpool2x2",
        "dropout": cfg.dropout,
        "inputShape": [cfg.in_channels, cfg.input_size, cfg.input_size],
        "featuresShape": [cfg.channels[-1], cfg.feature_size, cfg.feature_size],
        "parameters": model.parameter_count(),
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
               localization=None, ood=None) -> dict:
    """A /2 card for preprocessing version 2 (then `localization`, `ood`, `data.sources`,
    `metrics.bySource` and `metrics.leaveOneSourceOut` are required), else a /1 card."""
    v2 = spec.version == 2
    card = {
        "schema": CARD_SCHEMA_ID if v2 else CARD_SCHEMA_ID_V1,
        "name": name,
        "version": version,
        "task": TASK,
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
