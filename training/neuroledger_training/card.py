"""The model card (card.json, schema neuroledger.model-card/1) and its validation."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import jsonschema

from .data import INPUT_SIZE

CARD_SCHEMA_ID = "neuroledger.model-card/1"
TASK = "brain-tumor-mri/binary"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "card.schema.json"


class CardError(ValueError):
    pass


@lru_cache(maxsize=1)
def card_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_card(card: dict) -> None:
    """Raise CardError naming every schema violation and broken cross-field rule."""
    validator = jsonschema.Draft202012Validator(card_schema(), format_checker=jsonschema.FormatChecker())
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


def build_card(*, name, version, labels, positive_label, model, hyperparameters, mean, std, onnx_section, metrics, curves, data, code) -> dict:
    card = {
        "schema": CARD_SCHEMA_ID,
        "name": name,
        "version": version,
        "task": TASK,
        "labels": labels,
        "positiveLabel": positive_label,
        "architecture": architecture_spec(model),
        "hyperparameters": hyperparameters,
        "preprocessing": preprocessing_spec(mean, std),
        "onnx": onnx_section,
        "metrics": metrics,
        "curves": curves,
        "data": data,
        "code": code,
        "createdAt": now_iso(),
    }
    validate_card(card)
    return card


def write_card(card: dict, path: Path) -> None:
    validate_card(card)
    tmp = Path(path).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    tmp.replace(path)
