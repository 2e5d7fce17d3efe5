"""Training loop: seeded, 2 threads, augmentation on cached tensors, early stopping on val F1."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from . import adversary, fitstore
from .augment import AugmentConfig, AugmentV2Config
from .counterfactual import counterfactual_card
from .metrics import binary_metrics, multiclass_metrics
from .model import ModelConfig, TumorTypeCNN, build_model


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 1e-4
    weight_decay: float = 0.0
    patience: int = 10  # epochs without a better validation F1 before stopping
    seed: int = 0
    threads: int = 2
    max_minutes: float | None = None  # wall-clock budget for the training passes: stops mid-epoch, then validates
    augment: AugmentConfig | AugmentV2Config = field(default_factory=AugmentConfig)
    # Draw each batch so that labels are equal and, within a label, sources are equal (with
    # replacement; an epoch is as many draws as training images). Off: a plain shuffle.
    balance: bool = False
    # Weight of the localisation loss (`localization_loss`) on tumor images with boxes; 0: off.
    localization_weight: float = 0.0
    # Epochs of cross-entropy alone before the localisation loss joins: from random weights the
    # class maps mean nothing yet, and pulling them into the boxes first stalls learning.
    localization_warmup: int = 0
    # "constant", or "cosine": the learning rate follows half a cosine from its value to 0 over the
    # run, by the larger of epoch progress and time-budget progress (Loshchilov & Hutter, SGDR, 2017).
    lr_schedule: str = "constant"
    # Counterfactual tumor removal (counterfactual.py): the probability that a tumor image with boxes
    # is shown with its tumor replaced by tissue of the same head, labelled "no"; 0: off. Binary task.
    counterfactual: float = 0.0
    # Weight of the source adversary on tumor images (adversary.py): a gradient-reversed head that
    # predicts each tumor image's source from its pooled features; 0: off. Needs two sources of tumors.
    source_adversary: float = 0.0
    device: str = "cpu"  # "cuda" on a GPU machine; the results do not depend on it beyond rounding

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "patience", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning rate must be positive, got {self.learning_rate}")
        if not 0 <= self.counterfactual <= 1:
            raise ValueError(f"counterfactual must be a probability in [0, 1], got {self.counterfactual}")
        if not (self.source_adversary >= 0 and math.isfinite(self.source_adversary)):
            raise ValueError(f"source-adversary weight must be a finite number >= 0, got {self.source_adversary}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"learning-rate schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")

    def to_dict(self) -> dict:
        return {
            "optimizer": "adam",
            "learningRate": self.learning_rate,
            "weightDecay": self.weight_decay,
            "batchSize": self.batch_size,
            "maxEpochs": self.epochs,
            "earlyStoppingPatience": self.patience,
            "earlyStoppingMetric": "validation balanced accuracy",
            "loss": "cross-entropy" if not self.localization_weight else
                    (f"cross-entropy + {self.localization_weight:g} x localisation (share of the true class's activation map outside the tumor boxes)"
                     + (f" from epoch {self.localization_warmup + 1}" if self.localization_warmup else "")),
            "seed": self.seed,
            "threads": self.threads,
            "augmentation": {**self.augment.to_dict(), **counterfactual_card(self.counterfactual)},
            "batchSampling": "balanced: labels equal, sources equal within a label" if self.balance else "shuffled",
            **({"learningRateSchedule": LR_SCHEDULE_TEXT[self.lr_schedule]} if self.lr_schedule != "constant" else {}),
            **adversary.card_entry(self.source_adversary),
        }

    def progress(self, epoch: int, batch_fraction: float, elapsed_seconds: float) -> float:
        """Share of the run done, in [0, 1]: the larger of epochs (1-based `epoch`, plus the share of its
        batches done) and the time budget used."""
        by_epochs = (epoch - 1 + batch_fraction) / self.epochs
        by_time = elapsed_seconds / (self.max_minutes * 60) if self.max_minutes else 0.0
        return min(1.0, max(by_epochs, by_time))

    def learning_rate_at(self, progress: float) -> float:
        """The learning rate at `progress` (see `progress`) under `lr_schedule`."""
        if self.lr_schedule == "cosine":
            return self.learning_rate * 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.learning_rate


LR_SCHEDULES = ("constant", "cosine")
LR_SCHEDULE_TEXT = {"cosine": "cosine from the learning rate to 0 by the larger of epoch and time-budget progress"}


@dataclass
class TrainResult:
    model: torch.nn.Module  # weights of the best epoch, in eval mode
    best_epoch: int
    epochs_run: int
    curves: dict  # epoch, trainLoss, valLoss, trainAccuracy, valAccuracy, valF1
    seconds_per_epoch: float  # mean wall time of the training passes (without validation)
    train_images_per_second: float
    wall_seconds: float
    stopped_by: str  # "early stopping", "time budget" or "max epochs"
    device: str = "cpu"  # where the weights were trained (a GPU's name, or "cpu")
    threads: int | None = None  # CPU threads the fit trained with (None: a stored fit that did not record them)
    prior_correction: dict | None = None  # counterfactual removal's logit offset (pipeline.fit_on), when applied
    train_config: TrainConfig | None = None  # what the fit ran with (pipeline.fit_on turns off options that cannot apply)


def balanced_accuracy(confusion: list[list[int]]) -> float:
    """Mean per-class recall of a confusion matrix (rows = true label); classes absent from it are skipped."""
    recalls = [row[i] / sum(row) for i, row in enumerate(confusion) if sum(row) > 0]
    return sum(recalls) / len(recalls) if recalls else 0.0


def seed_everything(seed: int, threads: int) -> torch.Generator:
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def channel_stats(images: np.ndarray, idx: np.ndarray, batch: int = 128) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of x / 255 over the given (training) images."""
    total = torch.zeros(3, dtype=torch.float64)
    total_sq = torch.zeros(3, dtype=torch.float64)
    count = 0
    for start in range(0, len(idx), batch):
        x = torch.tensor(np.asarray(images[np.sort(idx[start : start + batch])]), dtype=torch.float64) / 255
        total += x.sum(dim=(0, 2, 3))
        total_sq += (x * x).sum(dim=(0, 2, 3))
        count += x.shape[0] * x.shape[2] * x.shape[3]
    mean = total / count
    std = (total_sq / count - mean * mean).clamp_min(1e-12).sqrt()
    return [round(float(v), 6) for v in mean], [round(float(v), 6) for v in std]


@torch.no_grad()
def infer(model, inputs, idx: np.ndarray, batch: int = 64, with_cam: bool = False) -> dict:
    """Softmax probabilities [n, K], pooled features [n, C] (float64) and, with_cam, cams [n, K, h, w],
    in the order of idx (inputs: V1Inputs or V2Inputs, no augmentation)."""
    model.eval()
    k, c = model.config.num_classes, model.config.channels[-1]
    if getattr(model, "planned_only", False):  # a fit that was planned, not trained: its figures mean nothing
        f = model.config.feature_size
        return {"prob": np.full((len(idx), k), 1.0 / k), "pooled": np.zeros((len(idx), c)),
                "cam": np.zeros((len(idx), k, f, f), dtype=np.float32) if with_cam else None}
    device = next(model.parameters()).device
    probs, pooled, cams = [], [], []
    for start in range(0, len(idx), batch):
        x = inputs.batch(np.asarray(idx[start : start + batch])).to(device).contiguous(memory_format=torch.channels_last)
        logits, features = model(x)
        probs.append(torch.softmax(logits, dim=1).cpu().numpy())
        pooled.append(features.double().mean(dim=(2, 3)).cpu().numpy())
        if with_cam:
            cams.append(model.cam(features).cpu().numpy())
    return {
        "prob": np.concatenate(probs) if probs else np.zeros((0, k)),
        "pooled": np.concatenate(pooled) if pooled else np.zeros((0, c)),
        "cam": np.concatenate(cams) if cams else None,
    }


def predict(model, inputs, idx: np.ndarray, batch: int = 64) -> np.ndarray:
    """Softmax probabilities [len(idx), num_classes] in the order of idx."""
    return infer(model, inputs, idx, batch)["prob"]


def localization_loss(cam: torch.Tensor, y: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    """Share of the true class's evidence that lies outside the tumor boxes, averaged over the images
    of the batch that have a box (0 when none has).

    cam [B, K, h, w] (the model's class activation map), y [B] true class, boxes [B, S, S] (1 inside
    a box, after augmentation). The evidence is the heatmap of docs/interfaces.md section 1 before its
    normalisation, H = max(0, cam[y] - mean_k cam[k]); each cell's share inside the boxes is the box
    mask averaged over the cell. The loss is 1 - (the card's "heat in box") on the feature grid.
    """
    h, w = cam.shape[2:]
    has_box = boxes.flatten(1).amax(1) > 0.5
    if not bool(has_box.any()):
        return cam.sum() * 0
    cam, y, boxes = cam[has_box], y[has_box], boxes[has_box]
    heat = (cam[torch.arange(len(y), device=cam.device), y] - cam.mean(dim=1)).clamp_min(0)  # [n, h, w]
    inside = torch.nn.functional.adaptive_avg_pool2d(boxes[:, None], (h, w))[:, 0].clamp(0, 1)
    total = heat.flatten(1).sum(1)
    outside = (heat * (1 - inside)).flatten(1).sum(1)
    some = total > 0
    if not bool(some.any()):
        return cam.sum() * 0
    return (outside[some] / total[some]).mean()


# The type task's data labels (tasks.TYPE.data_labels): 0..3 the output labels, 4 a tumor without a type.
TYPE_NO_TUMOR, TYPE_UNTYPED = 2, 4
# data label -> type head class (glioma 0, meningioma 1, pituitary 2); -1: no type to learn from.
TYPE_HEAD_TARGET = (0, 1, -1, 2, -1)


def tumor_type_loss(tumor_logits: torch.Tensor, type_logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The type task's loss for data labels y [B] (type task's data labels): cross-entropy of the
    tumor head (no_tumor -> no, every other label -> yes) on every image, plus the cross-entropy of
    the type head on the images that carry a type only (an untyped tumor or a tumor-free image gives
    the type head no gradient)."""
    tumor = (y != TYPE_NO_TUMOR).long()
    loss = F.cross_entropy(tumor_logits, tumor)
    target = torch.as_tensor(TYPE_HEAD_TARGET, device=y.device)[y]
    typed = target >= 0
    if bool(typed.any()):
        loss = loss + F.cross_entropy(type_logits[typed], target[typed])
    return loss


def type_validation(y: np.ndarray, prob: np.ndarray) -> tuple[dict, float]:
    """(4-class metrics on the images with an output label, score for early stopping): the mean of
    the per-class recalls and the share of untyped tumor images called any tumor, so each of the
    five data labels weighs the same."""
    labelled = y != TYPE_UNTYPED
    m = multiclass_metrics(y[labelled], prob[labelled], 4)
    recalls = [row[i] / sum(row) for i, row in enumerate(m["confusion"]) if sum(row) > 0]
    untyped = y == TYPE_UNTYPED
    if untyped.any():
        recalls.append(float((prob[untyped].argmax(1) != TYPE_NO_TUMOR).mean()))
    return m, (sum(recalls) / len(recalls) if recalls else 0.0)


def hierarchical_weights(keys: list[np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Sampling weight per image of idx: the draws are split equally among the values of keys[0],
    each share equally among the values of keys[1] present under it, and so on; images of one cell
    equally likely."""
    w = np.zeros(len(idx), dtype=np.float64)

    def split(sel: np.ndarray, level: int, share: float) -> None:
        if level == len(keys):
            w[sel] = share / len(sel)
            return
        values = np.unique(keys[level][idx][sel])
        for v in values:
            split(sel[keys[level][idx][sel] == v], level + 1, share / len(values))

    split(np.arange(len(idx)), 0, 1.0)
    return w / w.sum()


def type_task_weights(labels: np.ndarray, sources: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Balanced batches for the type task: half tumor-free, half tumor; the tumor half split equally
    among its data labels (glioma, meningioma, pituitary, tumor without a type: 1/8 each, so the type
    head sees 3/8 of every batch), and within a label every source an equal share."""
    tumor = (labels != TYPE_NO_TUMOR).astype(np.int64)
    return hierarchical_weights([tumor, labels, sources], idx)


def balanced_weights(labels: np.ndarray, sources: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sampling weight per training image: each label half the draws, each source of a label an
    equal share of that half, images of one (label, source) equally likely."""
    lab, src = labels[idx], sources[idx]
    w = np.zeros(len(idx), dtype=np.float64)
    for c in np.unique(lab):
        cell_sources = np.unique(src[lab == c])
        for s in cell_sources:
            cell = (lab == c) & (src == s)
            w[cell] = 1.0 / (len(cell_sources) * cell.sum())
    return w / w.sum()


def fit(
    inputs,
    labels: np.ndarray,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    model_cfg: ModelConfig = ModelConfig(),
    cfg: TrainConfig = TrainConfig(),
    log=print,
    sources: np.ndarray | None = None,
) -> TrainResult:
    """Train on train_idx (inputs: V1Inputs / V2Inputs, augmented in training), keep the epoch with
    the best validation balanced accuracy (mean per-class recall). `sources` [N] (source index per image) is used by balanced sampling."""
    store = fitstore.active()
    key = fitstore.fit_key(model_cfg, cfg, train_idx, val_idx, labels) if store else None
    if store and (saved := store.lookup(key)) is not None:
        log(f"fit {key}: loaded from {store.fitted_dir} (trained on {saved['device']}, {saved['epochs_run']} epochs, best {saved['best_epoch']})")
        return _from_saved(model_cfg, saved)
    gen = seed_everything(cfg.seed, cfg.threads)
    if store and store.plan_dir is not None:
        store.record(key, model_cfg, cfg, train_idx, val_idx, inputs, labels, sources)
        log(f"fit {key}: planned in {store.plan_dir}, not trained (this run's figures mean nothing)")
        return _untrained(model_cfg)
    device = torch.device(cfg.device)
    # channels_last: oneDNN convolutions run ~1.45x faster on this CPU than with NCHW tensors.
    model = build_model(model_cfg).to(device=device, memory_format=torch.channels_last)
    weights = None
    type_task = isinstance(model, TumorTypeCNN)
    if cfg.balance:
        weigh = type_task_weights if type_task else balanced_weights
        weights = torch.as_tensor(weigh(labels, np.zeros(len(labels), int) if sources is None else sources, train_idx))
    source_head = None
    if cfg.source_adversary > 0:
        n_tumor_sources = 0 if sources is None else len(np.unique(sources[train_idx][is_tumor(labels[train_idx], type_task)]))
        if n_tumor_sources < 2:
            raise ValueError(f"the source adversary needs tumor images from two sources or more; training has {n_tumor_sources}")
        source_head = adversary.SourceAdversary(model_cfg.channels[-1], int(np.max(sources)) + 1).to(device)
        sources_t = torch.as_tensor(sources, dtype=torch.long).to(device)
    params = list(model.parameters()) + (list(source_head.parameters()) if source_head is not None else [])
    optimizer = torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    labels_t = torch.as_tensor(labels, dtype=torch.long).to(device)
    use_boxes = cfg.localization_weight > 0
    if cfg.counterfactual > 0 and type_task:
        raise ValueError("counterfactual tumor removal is for the binary task (its 'no' label)")
    curves = {k: [] for k in ("epoch", "trainLoss", "valLoss", "trainAccuracy", "valAccuracy", "valF1")}
    best_score, best_loss, best_epoch, best_state = -1.0, math.inf, 0, None
    train_seconds = 0.0
    images_seen = 0
    started = time.monotonic()
    n_batches = math.ceil(len(train_idx) / cfg.batch_size)

    def out_of_time() -> bool:
        return cfg.max_minutes is not None and time.monotonic() - started > cfg.max_minutes * 60

    log(f"training on {len(train_idx)} images, validating on {len(val_idx)}; {n_batches} batches/epoch; {model.parameter_count()} parameters")
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0 = time.monotonic()
        if weights is None:
            order = train_idx[torch.randperm(len(train_idx), generator=gen).numpy()]
        else:
            order = train_idx[torch.multinomial(weights, len(train_idx), replacement=True, generator=gen).numpy()]
        loss_sum, correct = 0.0, 0
        for start in range(0, len(order), cfg.batch_size):
            batch_idx = np.sort(order[start : start + cfg.batch_size])  # sorted: faster memmap reads
            y = labels_t[torch.as_tensor(batch_idx, device=device)]
            # Augmented inputs (boxes: None unless held); counterfactual removal may relabel tumors "no".
            x, boxes, y = inputs.training_batch(batch_idx, gen, y, cfg.counterfactual)
            x = x.to(device).contiguous(memory_format=torch.channels_last)
            logits, features = model(x)
            if type_task:
                loss = tumor_type_loss(*model.heads(features), y)
                if use_boxes and boxes is not None and epoch > cfg.localization_warmup:  # on the tumor head's maps
                    loss = loss + cfg.localization_weight * localization_loss(model.tumor_cam(features), (y != TYPE_NO_TUMOR).long(), boxes)
            else:
                loss = F.cross_entropy(logits, y)
                if use_boxes and boxes is not None and epoch > cfg.localization_warmup:
                    loss = loss + cfg.localization_weight * localization_loss(model.cam(features), y, boxes)
            if source_head is not None:
                tumor = is_tumor(y, type_task)
                strength = adversary.ramp(cfg.progress(epoch, start / len(order), time.monotonic() - started))
                src = sources_t[torch.as_tensor(batch_idx, device=device)]
                loss = loss + cfg.source_adversary * adversary.source_adversary_loss(source_head, features, tumor, src, strength)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.lr_schedule != "constant":
                lr = cfg.learning_rate_at(cfg.progress(epoch, start / len(order), time.monotonic() - started))
                for group in optimizer.param_groups:
                    group["lr"] = lr
            optimizer.step()
            loss_sum += float(loss) * len(y)
            correct += int((logits.argmax(1) == y).sum()) if not type_task else int(_type_correct(logits, y))
            seen = start + len(batch_idx)
            if out_of_time():  # on a busy machine one epoch can outlast the whole budget
                break
        order = order[:seen]
        images_seen += seen
        epoch_seconds = time.monotonic() - t0
        train_seconds += epoch_seconds

        prob = predict(model, inputs, val_idx)
        y_val = labels[val_idx]
        if type_task:
            val_loss = _type_val_loss(prob, y_val)
            m, score = type_validation(y_val, prob)
        else:
            val_loss = float(F.nll_loss(torch.log(torch.as_tensor(prob).clamp_min(1e-12)), torch.as_tensor(y_val)))
            m = binary_metrics(y_val, prob[:, 1])
        for key, value in zip(curves, (epoch, loss_sum / len(order), val_loss, correct / len(order), m["accuracy"], m["f1"])):
            curves[key].append(round(value, 6) if isinstance(value, float) else value)
        # Balanced accuracy, not F1: validation mixes an all-tumor source (figshare), and F1 rewards
        # calling everything a tumor; the mean of sensitivity and specificity does not.
        if not type_task:
            score = balanced_accuracy(m["confusion"])
        improved = score > best_score or (score == best_score and val_loss < best_loss)
        if improved:
            best_score, best_loss, best_epoch = score, val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())
        log(
            f"epoch {epoch}/{cfg.epochs} train loss {curves['trainLoss'][-1]:.4f} acc {curves['trainAccuracy'][-1]:.4f} | "
            f"val loss {val_loss:.4f} acc {m['accuracy']:.4f} bal {score:.4f} f1 {m['f1']:.4f} auc {m['auc'] if m['auc'] is None else round(m['auc'], 4)} | "
            f"{epoch_seconds:.1f} s train, {len(order) / epoch_seconds:.1f} img/s{' *best*' if improved else ''}"
        )
        stopped_by = "max epochs"
        if epoch - best_epoch >= cfg.patience:
            stopped_by = "early stopping"
            log(f"early stop: no better validation balanced accuracy for {cfg.patience} epochs (best epoch {best_epoch})")
            break
        if out_of_time():
            stopped_by = "time budget"
            log(f"stop: time budget of {cfg.max_minutes} min used in epoch {epoch} after {len(order)} images (best epoch {best_epoch})")
            break
    model.load_state_dict(best_state)
    model = model.to(device="cpu", memory_format=torch.contiguous_format)  # plain NCHW weights for saving and export
    model.eval()
    epochs_run = len(curves["epoch"])
    return TrainResult(
        model=model,
        best_epoch=best_epoch,
        epochs_run=epochs_run,
        curves=curves,
        seconds_per_epoch=train_seconds / epochs_run,
        train_images_per_second=images_seen / train_seconds,
        wall_seconds=time.monotonic() - started,
        stopped_by=stopped_by,
        device=torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        threads=torch.get_num_threads(),
    )


def is_tumor(y, type_task: bool):
    """Per image of a label array (numpy or torch): it shows a tumor (binary: label 1; type task: any
    data label but no_tumor, an untyped tumor included)."""
    return y != TYPE_NO_TUMOR if type_task else y == 1


def _type_correct(logits: torch.Tensor, y: torch.Tensor) -> int:
    """Correct calls of a type-task batch: the label for labelled images, any tumor for untyped ones."""
    pred = logits.argmax(1)
    untyped = y == TYPE_UNTYPED
    return int(((pred == y) & ~untyped).sum() + ((pred != TYPE_NO_TUMOR) & untyped).sum())


def _type_val_loss(prob: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood: of the label, or of "any tumor" (1 - p(no_tumor)) for an untyped tumor."""
    p = np.where(y == TYPE_UNTYPED, 1 - prob[:, TYPE_NO_TUMOR], prob[np.arange(len(y)), np.minimum(y, 3)])
    return float(-np.log(np.clip(p, 1e-12, None)).mean()) if len(y) else 0.0


def _from_saved(model_cfg: ModelConfig, saved: dict) -> TrainResult:
    model = build_model(model_cfg)
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return TrainResult(model=model, best_epoch=saved["best_epoch"], epochs_run=saved["epochs_run"], curves=saved["curves"],
                       seconds_per_epoch=saved["seconds_per_epoch"], train_images_per_second=saved["train_images_per_second"],
                       wall_seconds=saved["wall_seconds"], stopped_by=saved["stopped_by"], device=saved["device"],
                       threads=saved.get("threads"))


def _untrained(model_cfg: ModelConfig) -> TrainResult:
    model = build_model(model_cfg).eval()
    model.planned_only = True
    curves = {k: [0.0] for k in ("trainLoss", "valLoss", "trainAccuracy", "valAccuracy", "valF1")} | {"epoch": [1]}
    return TrainResult(model=model, best_epoch=1, epochs_run=1, curves=curves, seconds_per_epoch=1.0,
                       train_images_per_second=1.0, wall_seconds=0.0, stopped_by="planned only", device="none")
