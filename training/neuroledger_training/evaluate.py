"""Evaluate a trained model on every image of a `<root>/<class>/*` folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .data import DataError, drop_unreadable, preprocess, scan_folder, try_decode
from .metrics import binary_metrics
from .model import load_checkpoint

BATCH = 32


@torch.no_grad()
def evaluate_folder(model_dir: Path, data_dir: Path, log=print, threads: int = 2) -> dict:
    """Metrics of model_dir/model.pt on data_dir; streams the images (nothing cached)."""
    torch.set_num_threads(threads)
    ckpt_path = Path(model_dir) / "model.pt"
    if not ckpt_path.is_file():
        raise FileNotFoundError(f"no model.pt in {model_dir}")
    model, ckpt = load_checkpoint(ckpt_path)
    listing = scan_folder(data_dir)
    if listing.labels != ckpt["labels"]:
        raise DataError(f"class folders {listing.labels} in {data_dir} do not match the model's labels {ckpt['labels']}")
    probs: list[np.ndarray] = []
    labels: list[int] = []
    bad: list[tuple[str, str]] = []
    batch: list[torch.Tensor] = []

    def flush() -> None:
        if batch:
            logits, _ = model(torch.stack(batch))
            probs.append(torch.softmax(logits, 1)[:, 1].numpy())
            batch.clear()

    for sample in listing.samples:
        rgb, reason = try_decode(sample)
        if rgb is None:
            bad.append((sample.relpath, reason))
            continue
        batch.append(preprocess(rgb, ckpt["mean"], ckpt["std"]))
        labels.append(sample.label)
        if len(batch) == BATCH:
            flush()
    flush()
    drop_unreadable(listing, bad, log)
    metrics = binary_metrics(np.array(labels), np.concatenate(probs))
    return {**metrics, "unreadable": len(bad), "labels": listing.labels}
