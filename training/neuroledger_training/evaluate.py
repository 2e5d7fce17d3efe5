"""Evaluate a trained model on every image of a `<root>/<class>/*` folder, optionally writing one
prediction per image (file, label, predicted, probability, peak_x, peak_y)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .card import read_card
from .data import DataError, drop_unreadable, scan_folder, try_decode
from .heatmap import peak
from .inputs import PreprocSpec
from .metrics import binary_metrics, multiclass_metrics
from .model import load_checkpoint
from .ood import pooled, scores, site_check
from .sources import _mapping, parse_mapping_args
from .tasks import BINARY, NO_TUMOR, UNTYPED_TUMOR, task_by_name, task_of_labels

BATCH = 32
PREDICTION_COLUMNS = ["file", "label", "predicted", "probability", "peak_x", "peak_y"]


def _peak_v1(features: torch.Tensor, width: int, height: int, s: int) -> tuple[int, int]:
    """Card v1 heatmap: channel mean of features over the whole (stretched) image; its first maximum
    on the S x S grid, mapped to image pixels, floored and clamped."""
    h = features.mean(dim=0)
    h = h - h.min()
    up = F.interpolate(h[None, None], (s, s), mode="bilinear", align_corners=False)[0, 0].numpy()
    j, i = divmod(int(np.argmax(up)), s)
    x = min(max(int(np.floor((i + 0.5) * width / s)), 0), width - 1)
    y = min(max(int(np.floor((j + 0.5) * height / s)), 0), height - 1)
    return x, y


@torch.no_grad()
def evaluate_folder(model_dir: Path, data_dir: Path, log=print, threads: int = 2, map_args: list[str] | None = None,
                    predictions: Path | None = None, task: str | None = None) -> dict:
    """Metrics of model_dir/model.pt on data_dir (class folders mapped to the model's labels as in
    training); streams the images (nothing cached). With `predictions`, writes the CSV (written
    to a temporary name and moved into place, so a failed run leaves no half file).

    The task is the model's (from its labels); `task`, when given, must be it. Type task: K-class
    metrics (macro, perClass, specificity) on the images with one of its labels, `untypedTumors`
    (tumor images without a type called any tumor), and CSV rows with `probability` = the
    predicted class's and one `p_<label>` column per label; peaks are of the predicted class."""
    torch.set_num_threads(threads)
    ckpt_path = Path(model_dir) / "model.pt"
    if not ckpt_path.is_file():
        raise FileNotFoundError(f"no model.pt in {model_dir}")
    model, ckpt = load_checkpoint(ckpt_path)
    spec = PreprocSpec.from_checkpoint(ckpt)
    model_task = task_of_labels(ckpt["labels"])
    if task is not None and task_by_name(task) is not model_task:
        raise DataError(f"--task {task}: the model in {model_dir} is a {model_task.name} model (labels {ckpt['labels']})")
    binary = model_task is BINARY
    labels_out = list(model_task.labels)
    listing = scan_folder(data_dir, min_classes=1)
    try:
        mapping = _mapping(Path(data_dir).name, listing.labels, parse_mapping_args(map_args or [], model_task), model_task)
    except DataError as exc:
        raise DataError(f"class folders {listing.labels} in {data_dir} do not match the model's labels {ckpt['labels']}: {exc}") from None
    # The card is its publisher's data: refused before the run when malformed, not after it.
    card_path = Path(model_dir) / "card.json"
    ood = read_card(card_path).get("ood") if card_path.is_file() else None
    rows: list[dict] = []
    gs: list[np.ndarray] = []
    probs: list[float] = []
    labels: list[int] = []
    bad: list[tuple[str, str]] = []
    batch: list[tuple] = []

    def flush() -> None:
        if not batch:
            return
        x = torch.stack([b[0] for b in batch])
        logits, features = model(x)
        if ood is not None and features.shape[1] != len(ood["mean"]):  # at the first batch, not after the run
            raise DataError(f"{card_path}: its ood statistics have {len(ood['mean'])} channels, the model's features "
                            f"{features.shape[1]}: the card is not this model's")
        gs.append(pooled(features.numpy()))
        all_prob = torch.softmax(logits, 1).numpy()
        cams = model.cam(features) if spec.version == 2 else None
        for n, (_, region, sample, label, (w, h)) in enumerate(batch):
            shown = 1 if binary else int(all_prob[n].argmax())  # binary: the 'yes' map; else the predicted class's
            if spec.version == 2:
                px, py = peak(cams[n], shown, region, spec.size, w, h)
            else:
                px, py = _peak_v1(features[n], w, h, spec.size)
            if binary:
                p1 = float(all_prob[n, 1])
                probs.append(p1)
                rows.append({"file": sample.relpath, "label": labels_out[label], "predicted": labels_out[int(p1 >= 0.5)],
                             "probability": f"{p1:.6f}", "peak_x": px, "peak_y": py})
            else:
                probs.append(all_prob[n])
                rows.append({"file": sample.relpath, "label": model_task.data_labels[label], "predicted": labels_out[shown],
                             "probability": f"{float(all_prob[n, shown]):.6f}", "peak_x": px, "peak_y": py,
                             **{f"p_{name}": f"{float(all_prob[n, k]):.6f}" for k, name in enumerate(labels_out)}})
        batch.clear()

    for sample in listing.samples:
        rgb, reason = try_decode(sample)
        if rgb is None:
            bad.append((sample.relpath, reason))
            continue
        x, region = spec.from_rgb(rgb)
        label = model_task.data_labels.index(mapping[listing.labels[sample.label]])
        batch.append((x, region, sample, label, (rgb.shape[1], rgb.shape[0])))
        labels.append(label)
        if len(batch) == BATCH:
            flush()
    flush()
    drop_unreadable(listing, bad, log)
    ood_out = out_of_distribution(np.concatenate(gs) if gs else np.zeros((0, 1)), ood, log)
    if predictions is not None:
        predictions = Path(predictions)
        predictions.parent.mkdir(parents=True, exist_ok=True)
        tmp = predictions.with_name(predictions.name + ".partial")
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=PREDICTION_COLUMNS + ([] if binary else [f"p_{name}" for name in labels_out]))
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(predictions)
    if binary:
        metrics = binary_metrics(np.array(labels), np.array(probs))
        return {**metrics, "unreadable": len(bad), "labels": labels_out, "outOfDistribution": ood_out}
    y = np.array(labels, dtype=np.int64)
    p = np.array(probs, dtype=np.float64).reshape(len(y), model_task.k)
    keep = y < model_task.k
    metrics = multiclass_metrics(y[keep], p[keep], labels_out)
    untyped = y == model_task.data_labels.index(UNTYPED_TUMOR)
    called = int((p[untyped].argmax(1) != labels_out.index(NO_TUMOR)).sum())
    return {**metrics, "unreadable": len(bad), "labels": labels_out,
            "untypedTumors": {"n": int(untyped.sum()), "calledTumor": called, "share": called / int(untyped.sum()) if untyped.any() else None},
            "outOfDistribution": ood_out}


def out_of_distribution(g: np.ndarray, ood: dict | None, log=print) -> dict | None:
    """The evaluation's `outOfDistribution` (docs/interfaces.md section 1): how many of the images
    (pooled features g [n, C]) score above the card's threshold, and the site check of their scores
    against the card's `validationScores` (None without them); None for a card without `ood`. Logs
    a warning for flagged images and for a set the site check calls unlike the training data."""
    if ood is None:
        return None
    s = scores(g, ood) if len(g) else np.zeros(0)
    flagged = int((~(s <= ood["threshold"])).sum())  # NaN: no evidence of being in distribution
    check = site_check(s, ood["validationScores"]) if ood.get("validationScores") else None
    if flagged:
        log(f"warning: {flagged} of {len(s)} images unlike the model's training data (OOD score above the card's threshold)")
    if check and check["unlikeTraining"]:
        log(f"warning: as a set, these {len(s)} images score higher than the model's validation images "
            f"(site check p = {check['pValue']:.3g}): they are unlike its training data, so its figures may not hold here")
    return {"threshold": ood["threshold"], "flagged": flagged, "n": int(len(s)), "siteCheck": check}
