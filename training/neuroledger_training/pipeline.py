"""One training run end to end: data -> groups -> split -> fit -> metrics -> files in the out folder."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .cache import load_images
from .card import build_card, code_version, write_card
from .data import FolderListing, scan_folder
from .dedup import DedupConfig, cross_matches, find_groups
from .export import export_onnx, write_vectors
from .metrics import binary_metrics
from .model import ModelConfig, save_checkpoint
from .plots import plot_confusion, plot_curves
from .split import Split, group_labels, group_split, kfold_splits
from .train import TrainConfig, TrainResult, channel_stats, fit, predict

FRACTIONS = (0.70, 0.15, 0.15)
VECTORS_PER_CLASS = 2


@dataclass
class PreparedData:
    listing: FolderListing
    images: np.ndarray  # float32 [N, 3, 256, 256], 0..255
    labels: np.ndarray  # int [N]
    groups: np.ndarray  # int [N]
    dedup: dict


class Logger:
    """Prints and appends to a log file, so a long run can be followed with `tail -f`."""

    def __init__(self, path: Path | None = None, echo=print):
        self.path, self.echo = path, echo
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text("")

    def __call__(self, message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        self.echo(line)
        if self.path:
            with open(self.path, "a") as fh:
                fh.write(line + "\n")


def display_path(path: Path) -> str:
    """A path for logs that may be committed: relative to the repository root where possible."""
    repo = Path(__file__).resolve().parents[2]
    try:
        return os.path.relpath(Path(path).resolve(), repo)
    except ValueError:
        return str(path)


def prepare(data_dir: Path, cache_dir: Path | None, dedup_cfg: DedupConfig, log) -> PreparedData:
    listing = scan_folder(data_dir)
    log(f"{listing.files} files in {len(listing.labels)} classes {listing.labels} under {display_path(data_dir)}")
    images = load_images(listing, cache_dir, log)
    labels = np.array([s.label for s in listing.samples], dtype=np.int64)
    t0 = time.monotonic()
    groups = find_groups(images, dedup_cfg)
    sizes = np.bincount(groups)
    _, mixed = group_labels(labels, groups)
    dedup = {
        **dedup_cfg.describe(),
        "groups": int(len(sizes)),
        "duplicates": int(sizes[sizes > 1].sum()),
        "largestGroup": int(sizes.max()),
        "mixedLabelGroups": mixed,
    }
    log(
        f"de-duplication: {len(labels)} readable images -> {dedup['groups']} groups "
        f"({dedup['duplicates']} images share a group, largest {dedup['largestGroup']}, {mixed} mixing labels; "
        f"{time.monotonic() - t0:.1f} s); unreadable: {len(listing.unreadable)}"
    )
    return PreparedData(listing, images, labels, groups, dedup)


def evaluate_split(model, data: PreparedData, idx: np.ndarray, mean, std) -> dict:
    prob = predict(model, data.images, idx, mean, std)
    return binary_metrics(data.labels[idx], prob[:, 1])


def test_examples(data: PreparedData, split: Split, per_class: int) -> list[Path]:
    """The first `per_class` test-side files of each class (test vectors, demo samples)."""
    picks = []
    for c in range(len(data.listing.labels)):
        idx = [i for i in split.test if data.labels[i] == c][:per_class]
        picks += [data.listing.samples[i].path for i in idx]
    return picks


def train_and_write(
    data: PreparedData,
    out_dir: Path,
    *,
    name: str,
    version: str,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    split_seed: int,
    log,
) -> dict:
    """Train on the group split and write model.pt, model.onnx, card.json, plots, vectors/."""
    code = code_version()  # taken before training: the code that produced the weights
    names = data.listing.labels
    split = group_split(data.labels, data.groups, names, FRACTIONS, seed=split_seed)
    sides = split.describe(data.labels, data.groups, names)
    residual = {
        f"testWithTrainMatchAtLeast{t}": cross_matches(data.images, split.test, split.train, t) for t in (0.85, 0.90)
    }
    log(f"residual check: test images with a training image of thumbnail correlation >= 0.85 / 0.90: {list(residual.values())}")
    log("split (by group): " + ", ".join(f"{k} {v['n']} images / {v['groups']} groups {v['classes']}" for k, v in sides.items()))
    mean, std = channel_stats(data.images, split.train)
    log(f"normalisation from the training side: mean {mean} std {std}")
    result = fit(data.images, data.labels, split.train, split.validation, mean, std, model_cfg, train_cfg, log)
    metrics = {
        "test": evaluate_split(result.model, data, split.test, mean, std),
        "validation": evaluate_split(result.model, data, split.validation, mean, std),
    }
    for side, m in metrics.items():
        log(f"{side}: " + ", ".join(f"{k} {v:.4f}" for k, v in m.items() if isinstance(v, float)) + f", n {m['n']}, confusion {m['confusion']}")

    # Stage everything next to the out folder, then move it in: a failed run leaves no half model.
    out_dir = Path(out_dir)
    stage = out_dir.parent / f".{out_dir.name}.partial"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    save_checkpoint(stage / "model.pt", result.model, names, mean, std, {"train_config": train_cfg.to_dict()})
    onnx_section = export_onnx(result.model, stage / "model.onnx")
    write_vectors(result.model, test_examples(data, split, VECTORS_PER_CLASS), stage / "vectors", mean, std)
    plot_curves(result.curves, stage / "curves.png", result.best_epoch)
    plot_confusion(metrics["test"]["confusion"], names, stage / "confusion.png")
    hyper = {**train_cfg.to_dict(), "epochsRun": result.epochs_run, "bestEpoch": result.best_epoch}
    hyper = {k: hyper[k] for k in ("optimizer", "learningRate", "weightDecay", "batchSize", "maxEpochs", "epochsRun", "bestEpoch",
                                   "earlyStoppingPatience", "earlyStoppingMetric", "loss", "seed", "threads", "augmentation")}
    card = build_card(
        name=name,
        version=version,
        labels=names,
        positive_label="yes" if "yes" in names else names[-1],
        model=result.model,
        hyperparameters=hyper,
        mean=mean,
        std=std,
        onnx_section=onnx_section,
        metrics=metrics,
        curves=result.curves,
        data={
            "fingerprint": data.listing.fingerprint(),
            "files": data.listing.files,
            "unreadable": len(data.listing.unreadable),
            "classes": data.listing.class_counts(),
            "dedup": data.dedup,
            "split": {
                "method": "stratified by label, whole near-duplicate groups per side",
                "seed": split_seed,
                "fractions": dict(zip(("train", "validation", "test"), FRACTIONS)),
                **sides,
            },
        },
        code=code,
    )
    write_card(card, stage / "card.json")
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in stage.iterdir():
        target = out_dir / item.name
        if target.is_dir():
            shutil.rmtree(target)
        item.replace(target)
    stage.rmdir()
    log(f"wrote {display_path(out_dir)}: model.onnx ({(out_dir / 'model.onnx').stat().st_size} bytes), model.pt, card.json, curves.png, confusion.png, vectors/")
    return {"card": card, "result": result, "split": sides, "split_indices": split, "residual": residual}


def run_kfold(data: PreparedData, k: int, model_cfg: ModelConfig, train_cfg: TrainConfig, seed: int, log) -> dict:
    """Train k models on k group folds; test metrics per fold and their mean and sd."""
    folds = kfold_splits(data.labels, data.groups, data.listing.labels, k, seed=seed)
    per_fold = []
    for f, split in enumerate(folds, 1):
        log(f"k-fold {f}/{k}: train {len(split.train)}, validation {len(split.validation)}, test {len(split.test)}")
        mean, std = channel_stats(data.images, split.train)
        result = fit(data.images, data.labels, split.train, split.validation, mean, std, model_cfg, train_cfg, log)
        m = evaluate_split(result.model, data, split.test, mean, std)
        log(f"k-fold {f}/{k} test: acc {m['accuracy']:.4f} f1 {m['f1']:.4f}")
        per_fold.append(m)
    keys = ("accuracy", "precision", "recall", "f1", "auc")
    summary = {
        key: {"mean": float(np.mean([m[key] for m in per_fold])), "sd": float(np.std([m[key] for m in per_fold], ddof=1))}
        for key in keys
    }
    return {"k": k, "folds": per_fold, "summary": summary}


def dump_json_line(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"))
