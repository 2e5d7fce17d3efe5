"""Fits made elsewhere (e.g. on a GPU machine), reused by the same pipeline.

A fit is named by its key: the sha256 of everything that decides it (model configuration, training
configuration but the device and thread count, the training and validation indices, the labels).
`bench --fitted-dir DIR` loads DIR/fit-<key>.pt wherever the pipeline would train that fit, so the
card, the metrics, the vectors and the bench table are computed here, from the exact preprocessing,
on the weights trained there. `--plan-fits DIR` records every fit a run would make (a job file per
fit and the data it needs, the area maps rounded to 8 bits) and trains nothing: its models keep
their initial weights, so the figures of a planning run mean nothing.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from .augment import AugmentConfig, AugmentV2Config
from .model import ModelConfig

_ACTIVE: "FitStore | None" = None


def fit_key(model_cfg: ModelConfig, train_cfg, train_idx: np.ndarray, val_idx: np.ndarray, labels: np.ndarray) -> str:
    train = {k: v for k, v in asdict(train_cfg).items() if k not in ("device", "threads")}
    # Defaults of options added later are left out: fits made before an option keep their keys.
    if train.get("lr_schedule") == "constant":
        del train["lr_schedule"]
    for option in ("counterfactual", "source_adversary"):
        if train.get(option) == 0:
            del train[option]
    h = hashlib.sha256()
    h.update(json.dumps({"model": model_cfg.to_dict(), "train": train}, sort_keys=True).encode())
    for a in (train_idx, val_idx, labels):
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.int64)).tobytes())
        h.update(b"|")
    return h.hexdigest()[:32]


@dataclass
class FitStore:
    fitted_dir: Path | None = None  # where fit-<key>.pt files are read
    plan_dir: Path | None = None  # where jobs/<key>.json and data-S<size>.npz are written

    def lookup(self, key: str) -> dict | None:
        if self.fitted_dir is None:
            return None
        path = Path(self.fitted_dir) / f"fit-{key}.pt"
        return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None

    def record(self, key: str, model_cfg: ModelConfig, train_cfg, train_idx, val_idx, inputs, labels, sources) -> None:
        """Write jobs/<key>.json and (once per input size) the data the job trains on."""
        plan = Path(self.plan_dir)
        (plan / "jobs").mkdir(parents=True, exist_ok=True)
        data_name = f"data-S{model_cfg.input_size}.npz"
        if not (plan / data_name).exists():
            maps = np.asarray(inputs.maps)
            boxes = inputs.boxes if inputs.boxes is not None else np.zeros((0,), np.uint8)
            np.savez_compressed(plan / data_name, maps=np.clip(np.rint(maps), 0, 255).astype(np.uint8),
                                max_sum=np.asarray(inputs.max_sum), labels=np.asarray(labels),
                                sources=np.asarray(sources), boxes=np.asarray(boxes, dtype=np.uint8))
        train = asdict(train_cfg)
        train["augment_kind"] = type(train_cfg.augment).__name__
        job = {"key": key, "data": data_name, "model": model_cfg.to_dict(), "train": train,
               "train_idx": np.asarray(train_idx).tolist(), "val_idx": np.asarray(val_idx).tolist()}
        (plan / "jobs" / f"{key}.json").write_text(json.dumps(job))


def activate(store: FitStore | None) -> None:
    global _ACTIVE
    _ACTIVE = store


def active() -> FitStore | None:
    return _ACTIVE


def train_config_from_job(d: dict, device: str, threads: int):
    from .train import TrainConfig

    d = dict(d)
    kind = d.pop("augment_kind")
    d["augment"] = (AugmentV2Config if kind == "AugmentV2Config" else AugmentConfig)(**d["augment"])
    d.update(device=device, threads=threads)
    return TrainConfig(**d)


def compact(plan_dir: Path, log=print) -> Path:
    """Shrink a plan for travel: keep the maps of the images some job trains or validates on (the
    test side is never needed there), xz-compressed. data-S<size>.npz -> data-S<size>.xz + .meta.npz."""
    plan = Path(plan_dir)
    jobs = [json.loads(p.read_text()) for p in sorted((plan / "jobs").glob("*.json"))]
    for name in sorted({j["data"] for j in jobs}):
        if not (plan / name).exists():
            continue
        data = np.load(plan / name)
        used = np.unique(np.concatenate([np.r_[j["train_idx"], j["val_idx"]] for j in jobs if j["data"] == name]).astype(np.int64))
        maps = data["maps"]
        stem = name.removesuffix(".npz")
        (plan / f"{stem}.xz").write_bytes(lzma.compress(np.ascontiguousarray(maps[used]).tobytes(), preset=6))
        np.savez_compressed(plan / f"{stem}.meta.npz", used=used, shape=np.array(maps.shape), max_sum=data["max_sum"],
                            labels=data["labels"], sources=data["sources"], boxes=data["boxes"])
        (plan / name).unlink()
        log(f"{name}: kept the maps of {len(used)} of {maps.shape[0]} images -> {stem}.xz ({(plan / f'{stem}.xz').stat().st_size} bytes)")
    return plan


def load_data(plan: Path, name: str) -> dict:
    """A plan's data, from data-S<size>.npz or its compacted form (rows no job uses are zeros)."""
    if (plan / name).exists():
        return dict(np.load(plan / name))
    stem = name.removesuffix(".npz")
    meta = dict(np.load(plan / f"{stem}.meta.npz"))
    shape = tuple(int(v) for v in meta["shape"])
    maps = np.zeros(shape, dtype=np.uint8)
    maps[meta["used"]] = np.frombuffer(lzma.decompress((plan / f"{stem}.xz").read_bytes()), dtype=np.uint8).reshape(-1, *shape[1:])
    return meta | {"maps": maps}


def run_job(job_path: Path, out_dir: Path, device: str, threads: int, log=print) -> Path:
    """Train one planned job on `device` and write out_dir/fit-<key>.pt."""
    from .inputs import V2Inputs
    from .train import fit

    job = json.loads(Path(job_path).read_text())
    data = load_data(Path(job_path).parent.parent, job["data"])
    model_cfg = ModelConfig.from_dict(job["model"])
    train_cfg = train_config_from_job(job["train"], device, threads)
    to_dev = lambda a: torch.from_numpy(a).to(device) if a.size else None  # noqa: E731
    inputs = V2Inputs(to_dev(data["maps"]), data["max_sum"], aug=train_cfg.augment, boxes=to_dev(data["boxes"]), device=device)
    if (train_cfg.localization_weight > 0 or train_cfg.counterfactual > 0) and inputs.boxes is None:
        raise RuntimeError(f"job {job_path.name} wants tumor boxes but {job['data']} has none (plan a fit with --loc-weight > 0 or --counterfactual > 0 first)")
    labels, sources = data["labels"], data["sources"]
    train_idx, val_idx = np.array(job["train_idx"], dtype=np.int64), np.array(job["val_idx"], dtype=np.int64)
    key = fit_key(model_cfg, train_cfg, train_idx, val_idx, labels)
    if key != job["key"]:
        raise RuntimeError(f"job {job_path.name}: key {key} does not match the planned {job['key']}")
    started = time.monotonic()
    result = fit(inputs, labels, train_idx, val_idx, model_cfg, train_cfg, log, sources=sources)
    out = Path(out_dir) / f"fit-{key}.pt"
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    torch.save({"key": key, "state_dict": result.model.state_dict(), "best_epoch": result.best_epoch,
                "epochs_run": result.epochs_run, "curves": result.curves, "seconds_per_epoch": result.seconds_per_epoch,
                "train_images_per_second": result.train_images_per_second, "wall_seconds": result.wall_seconds,
                "stopped_by": result.stopped_by, "device": name, "threads": result.threads}, out)
    log(f"job {key}: {result.epochs_run} epochs (best {result.best_epoch}) in {time.monotonic() - started:.0f} s on {name} -> {out.name}")
    return out
