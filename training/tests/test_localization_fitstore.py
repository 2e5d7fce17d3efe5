"""The localisation loss, boxes travelling through the augmentation, and fits trained elsewhere
(`--plan-fits` -> `fit-jobs` -> `--fitted-dir`) giving the same pipeline the same weights."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from neuroledger_training import fitstore
from neuroledger_training.augment import AugmentV2Config
from neuroledger_training.cli import main
from neuroledger_training.inputs import V2Inputs
from neuroledger_training.model import ModelConfig
from neuroledger_training.train import TrainConfig, fit, localization_loss
from synthetic import make_tumor_source


def _cam_with_heat(where: tuple[slice, slice]) -> torch.Tensor:
    cam = torch.zeros(1, 2, 4, 4)
    cam[0, 1][where] = 1.0  # evidence for class 1 only there
    return cam


def test_localization_loss_is_the_share_of_evidence_outside_the_box():
    boxes = torch.zeros(1, 16, 16)
    boxes[0, :8, :8] = 1  # top-left quarter = feature cells [:2, :2]
    y = torch.tensor([1])
    inside = localization_loss(_cam_with_heat((slice(0, 2), slice(0, 2))), y, boxes)
    outside = localization_loss(_cam_with_heat((slice(2, 4), slice(2, 4))), y, boxes)
    half = localization_loss(_cam_with_heat((slice(0, 2), slice(0, 4))), y, boxes)
    assert float(inside) == 0.0 and abs(float(outside) - 1.0) < 1e-6 and abs(float(half) - 0.5) < 1e-6
    # No box in the batch, or no positive evidence: no loss (cross-entropy alone decides).
    assert float(localization_loss(_cam_with_heat((slice(0, 2), slice(0, 2))), y, torch.zeros(1, 16, 16))) == 0.0
    assert float(localization_loss(torch.zeros(1, 2, 4, 4), y, boxes)) == 0.0


def test_localization_loss_pulls_evidence_into_the_box():
    boxes = torch.zeros(1, 16, 16)
    boxes[0, 8:, 8:] = 1
    cam = torch.zeros(1, 2, 4, 4)
    cam[0, 1] = torch.rand(4, 4, generator=torch.Generator().manual_seed(0)) + 0.1  # evidence for class 1 everywhere
    cam.requires_grad_()
    loss = localization_loss(cam, torch.tensor([1]), boxes)
    loss.backward()
    g = cam.grad[0, 1]
    # Raising class-1 evidence outside the box raises the loss; inside it lowers it.
    assert (g[:2, :2] > 0).all() and (g[2:, 2:] < 0).all()


def test_boxes_move_with_the_map_under_augmentation():
    maps = np.zeros((2, 32, 32), np.float32)
    maps[:, 4:28, 4:28] = 100.0
    boxes = np.zeros((2, 32, 32), np.uint8)
    boxes[:, 8:16, 4:10] = 1  # on the left
    flip = AugmentV2Config(hflip=1.0, rotation_degrees=0, scale=0, shift=0, gamma=0, bias_field=0, saturate=0, blur=0, noise=0)
    inputs = V2Inputs(maps, np.array([300, 300]), aug=flip, boxes=boxes)
    x, b = inputs.batch(np.array([0, 1]), torch.Generator().manual_seed(0), with_boxes=True)
    assert x.shape == (2, 3, 32, 32)
    assert torch.equal(b > 0.5, torch.flip(torch.from_numpy(boxes).bool(), dims=[2]))
    # Without augmentation the boxes come back as given; a data set without boxes gives None.
    _, b0 = inputs.batch(np.array([0]), with_boxes=True)
    assert torch.equal(b0[0] > 0.5, torch.from_numpy(boxes[0]).bool())
    assert V2Inputs(maps, np.array([300, 300])).batch(np.array([0]), with_boxes=True)[1] is None


def test_fits_planned_trained_elsewhere_and_reused(dataset, tmp_path):
    root, _ = dataset
    tumors = tmp_path / "tumors"
    make_tumor_source(tumors)
    common = ["--data", f"synthetic={root}", "--data", f"tumors={tumors}", "--epochs", "1", "--channels", "4,8,8,16",
              "--size", "64", "--no-cache", "--loc-weight", "1", "--paper-minutes", "0", "--no-loso"]
    plan, fits = tmp_path / "plan", tmp_path / "fits"
    assert main(["bench", *common, "--plan-fits", str(plan), "--out", str(tmp_path / "o1"), "--bench-out", str(tmp_path / "b1")]) == 0
    jobs = sorted((plan / "jobs").glob("*.json"))
    assert len(jobs) == 1  # the model itself (--no-loso)
    job = json.loads(jobs[0].read_text())
    assert job["train"]["localization_weight"] == 1 and (plan / job["data"]).exists()
    assert main(["fit-jobs", "--plan", str(plan), "--compact"]) == 0  # what travels: used maps only, xz
    assert not (plan / job["data"]).exists() and (plan / job["data"].replace(".npz", ".xz")).exists()
    assert main(["fit-jobs", "--plan", str(plan), "--out", str(fits), "--device", "cpu", "--workers", "1", "--threads", "1"]) == 0
    assert sorted(p.name for p in fits.glob("fit-*.pt")) == sorted(f"fit-{j.stem}.pt" for j in jobs)
    # The same bench with the fits: every fit is loaded, none trained, and the model keeps those weights.
    assert main(["bench", *common, "--fitted-dir", str(fits), "--out", str(tmp_path / "o2"), "--bench-out", str(tmp_path / "b2"),
                 "--threads", "2"]) == 0
    log = (tmp_path / "o2" / "train.log").read_text()
    assert log.count("loaded from") == 1 and "img/s" not in log
    saved = {torch.load(p, weights_only=False)["key"]: torch.load(p, weights_only=False)["state_dict"] for p in fits.glob("fit-*.pt")}
    written = torch.load(tmp_path / "o2" / "model.pt", weights_only=False)["state_dict"]
    assert any(all(torch.equal(written[k], sd[k]) for k in written) for sd in saved.values())
    timing = json.loads((tmp_path / "b2" / "table1.json").read_text())["timing"]
    assert timing["device"] == "cpu"
    # The timing is the fit's: trained with 1 thread, measured here with 2.
    assert timing["threads"] == 1 and json.loads((tmp_path / "b2" / "table1.json").read_text())["machine"]["threads"] == 2
    assert "Timing on this machine (1 thread)" in (tmp_path / "b2" / "table1.md").read_text()


def test_localization_loss_waits_for_its_warmup_and_then_changes_training():
    rng = np.random.default_rng(0)
    maps = rng.uniform(0, 200, (24, 32, 32)).astype(np.float32)
    boxes = np.zeros((24, 32, 32), np.uint8)
    boxes[12:, 4:12, 4:12] = 1  # the tumor images have a box
    labels = np.r_[np.zeros(12, int), np.ones(12, int)]
    model_cfg = ModelConfig(channels=(4, 4, 8, 8), input_size=32, arch="resnet", cam=True)

    def weights(loc: float, warmup: int, epochs: int):
        cfg = TrainConfig(epochs=epochs, batch_size=8, learning_rate=1e-2, threads=1, localization_weight=loc,
                          localization_warmup=warmup, augment=AugmentV2Config())
        inputs = V2Inputs(maps, np.full(24, 600), aug=cfg.augment, boxes=boxes)
        r = fit(inputs, labels, np.arange(0, 24, 2), np.arange(1, 24, 2), model_cfg, cfg, log=lambda m: None)
        return r.model.head.weight.detach().clone()

    assert torch.equal(weights(0.0, 0, 1), weights(1.0, 1, 1))  # warm-up epoch: cross-entropy alone
    assert not torch.equal(weights(0.0, 0, 1), weights(1.0, 0, 1))  # the loss does act


def test_fit_jobs_workers_end_when_fit_jobs_is_killed(dataset, tmp_path):
    # Killing fit-jobs by name left its spawned workers training as orphans; they must follow their parent.
    root, _ = dataset
    plan = tmp_path / "plan"
    assert main(["train", "--data", f"synthetic={root}", "--epochs", "100000", "--channels", "4,8,8,16", "--size", "64",
                 "--patience", "100000", "--no-cache", "--plan-fits", str(plan), "--out", str(tmp_path / "o")]) == 0
    # The plan was this call's only: the next call in this process trains again (it planned instead, and the
    # tests after this one failed, when main() left the store active).
    assert fitstore.active() is None
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    parent = subprocess.Popen([sys.executable, "-m", "neuroledger_training.cli", "fit-jobs", "--plan", str(plan), "--out",
                               str(tmp_path / "fits"), "--device", "cpu", "--workers", "1", "--threads", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (workers and any((tmp_path / "fits").glob("fit-*.log"))):
            time.sleep(0.5)
            workers = [pid for pid, cmd in _children(parent.pid) if "spawn_main" in cmd]
        assert len(workers) == 1, f"fit-jobs started {len(workers)} workers, not 1"
        worker = workers[0]
        parent.kill()
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.5)
        assert not _alive(worker), "the fit-jobs worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:  # never leave a training orphan behind, even when the assertion failed
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is pid (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append((int(stat.parent.name), (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return out
