"""Command line: train, evaluate, export, bench. A thin layer over the modules."""

from __future__ import annotations

import argparse
from dataclasses import replace
import json
import os
import sys
import tempfile
from pathlib import Path

import torch

from . import fitstore
from .augment import AugmentConfig, AugmentV2Config
from .bench import bench_table, write_bench
from .calibrate import apply_no_offset, validation_offset
from .card import TUMOR_TYPE_FORMULA, architecture_spec, code_version, validate_card, write_card
from .data import INPUT_SIZE, DataError
from .dedup import DedupConfig
from .evaluate import evaluate_folder
from .export import export_onnx, write_vectors
from .inputs import PreprocSpec
from .model import ModelConfig, TumorTypeCNN, build_model, load_checkpoint
from .ood import SITE_MIN_IMAGES, SITE_MIN_VALIDATION
from .pipeline import (Logger, display_path, dump_json_line, evaluate_and_write, make_inputs, paper_row, prepare, run_kfold,
                       split_of, test_examples, train_and_write)
from .samples import SAMPLES_PER_CLASS, write_samples
from .sources import fingerprint, open_sources
from .split import SplitError
from .tasks import BINARY, TASKS, task_by_name
from .type_bench import type_bench_table, write_type_bench
from .train import TrainConfig, TrainResult

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # training/
REPO_ROOT = PACKAGE_DIR.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_DATA = [("br35h", SHARED_DATA / "br35h"), ("figshare", SHARED_DATA / "figshare")]
DEFAULT_CACHE = PACKAGE_DIR / ".cache"


def user_path(value: str) -> Path:
    """Paths are relative to where the user ran the command: pnpm runs scripts inside training/
    but records the caller's directory in INIT_CWD."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else Path(os.environ.get("INIT_CWD", os.getcwd())) / p


def _channels(value: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--channels wants comma-separated integers, got {value!r}") from None


ARCH_DEFAULTS = {
    # channels, input size S, learning rate
    "paper": ((16, 32, 64, 128), 256, 1e-4),
    "resnet": ((16, 32, 64, 128), 128, 2e-3),
}


def add_data_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--task", choices=sorted(TASKS), default=None,
                   help=f"the task (default {BINARY.name}; evaluate: the model's); brain-tumor-mri/type maps glioma, meningioma, pituitary "
                        "to themselves, no/notumor/normal to no_tumor and yes/tumor to a tumor without a type (tumor head only)")
    p.add_argument("--data", action="append", required=required, metavar="[NAME=]DIR",
                   help="a source <DIR>/<class>/*, repeatable (e.g. --data br35h=<dir> --data figshare=<dir>)")
    p.add_argument("--map", action="append", default=[], metavar="[SOURCE:]FOLDER=LABEL",
                   help="label of a class folder (default: glioma/meningioma/pituitary/yes/tumor -> yes, no/notumor/normal -> no)")


def add_training_options(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    p.add_argument("--arch", choices=sorted(ARCH_DEFAULTS), default="resnet", help="resnet (GAP head, default) or paper (flatten head)")
    p.add_argument("--preprocessing", type=int, choices=(1, 2), default=2, help="2 (default): head crop + standardisation; 1: the legacy bilinear 256x256")
    p.add_argument("--size", type=int, default=None, help="input size S (default 128 for resnet, 256 for paper)")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"maximum epochs (default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 2e-3 for resnet, 1e-4 for paper)")
    p.add_argument("--lr-schedule", choices=("constant", "cosine"), default=d.lr_schedule,
                   help="constant (default) or cosine: half a cosine to 0 over the run (epochs or --max-minutes, whichever comes first)")
    p.add_argument("--patience", type=int, default=d.patience, help="early-stopping patience on validation balanced accuracy")
    p.add_argument("--seed", type=int, default=d.seed, help="seed for weights, batches, augmentation and the split")
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget per fit (stops after the epoch that exceeds it)")
    p.add_argument("--channels", type=_channels, default=None, help="conv widths, e.g. 16,32,64,128")
    p.add_argument("--no-batch-norm", action="store_true", help="the paper's blocks without batch-norm (paper arch)")
    p.add_argument("--local", action="store_true",
                   help="residual CNN whose feature cells each see a 31x31 pixel patch (1x1 convolutions after the third stage's "
                        "stride; BagNet-style local evidence): the decision adds up what each patch shows")
    p.add_argument("--no-augment", action="store_true", help="train without augmentation (ablation)")
    p.add_argument("--no-balance", action="store_true", help="shuffle instead of drawing labels and sources equally per batch")
    p.add_argument("--loc-weight", type=float, default=d.localization_weight,
                   help="weight of the localisation loss on tumor images with boxes (share of the class map outside the box); 0: off")
    p.add_argument("--loc-warmup", type=int, default=d.localization_warmup, metavar="EPOCHS",
                   help="epochs of cross-entropy alone before the localisation loss joins")
    p.add_argument("--counterfactual", type=float, default=d.counterfactual, metavar="P",
                   help="probability that a tumor image with boxes is shown with its tumor replaced by tissue of the same "
                        "head and labelled 'no' (binary task; 0: off)")
    p.add_argument("--source-adversary", type=float, default=d.source_adversary, metavar="W",
                   help="weight of a gradient-reversed head that predicts tumor images' source from the pooled features "
                        "(takes the source out of what the network uses; needs tumors from two sources; 0: off)")
    p.add_argument("--device", default=d.device, help="torch device to train on (cpu, cuda)")
    p.add_argument("--fitted-dir", type=user_path, default=None,
                   help="reuse fits trained elsewhere (fit-<key>.pt from `fit-jobs`) wherever this run would train the same fit")
    p.add_argument("--plan-fits", type=user_path, default=None,
                   help="record every fit this run would make (jobs + 8-bit data) for `fit-jobs`, train none: figures of such a run mean nothing")
    p.add_argument("--kfold", type=int, default=0, metavar="K", help="also run K-fold group cross-validation")
    p.add_argument("--cache-dir", type=user_path, default=DEFAULT_CACHE, help="where decoded images are cached")
    p.add_argument("--no-cache", action="store_true", help="decode into memory only")
    p.add_argument("--name", default="model")
    p.add_argument("--version", default="1.0.0")


def configs(args, arch: str | None = None, max_minutes: float | None = None) -> tuple[ModelConfig, TrainConfig]:
    arch = arch or args.arch
    channels, size, lr = ARCH_DEFAULTS[arch]
    v2 = args.preprocessing == 2
    if not v2 and arch != "paper":
        raise ValueError("preprocessing version 1 is the legacy paper CNN path: use --arch paper")
    if arch == args.arch:
        channels, size, lr = args.channels or channels, args.size or size, args.lr or lr
    elif arch == "paper":  # the paper CNN row of bench
        channels, size = args.paper_channels or channels, args.paper_size or size
    if not v2:
        size = INPUT_SIZE
    task = task_of(args)
    if task is not BINARY and (arch != "resnet" or not v2):
        raise ValueError(f"the task {task.name} trains the residual CNN with preprocessing 2 (--arch resnet --preprocessing 2)")
    if getattr(args, "counterfactual", 0) > 0 and (task is not BINARY or not v2):
        raise ValueError("--counterfactual is for the binary task with preprocessing 2 (it relabels tumor images 'no')")
    local = bool(getattr(args, "local", False)) and arch == args.arch  # ModelConfig refuses it on the paper CNN
    model_cfg = ModelConfig(channels=channels, batch_norm=not args.no_batch_norm, input_size=size, arch=arch, cam=v2, local=local,
                            **({} if task is BINARY else {"num_classes": task.k, "head": "tumor-type"}))
    train_cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=lr,
                            patience=args.patience, seed=args.seed, threads=args.threads,
                            max_minutes=args.max_minutes if max_minutes is None else max_minutes,
                            augment=(AugmentV2Config() if v2 else AugmentConfig()) if not getattr(args, "no_augment", False) else NO_AUGMENT_V2,
                            balance=v2 and not args.no_balance,
                            localization_weight=args.loc_weight if v2 else 0.0,
                            localization_warmup=args.loc_warmup if v2 else 0,
                            # The bench's paper CNN row keeps the paper's optimiser: Adam at a constant rate.
                            lr_schedule=args.lr_schedule if arch == args.arch else "constant",
                            counterfactual=args.counterfactual if arch == args.arch else 0.0,
                            source_adversary=args.source_adversary if arch == args.arch else 0.0,
                            device=args.device)
    return model_cfg, train_cfg


# Every augmentation off (identity geometry, no intensity change): the ablation of `--no-augment`.
NO_AUGMENT_V2 = AugmentV2Config(hflip=0, rotation_degrees=0, scale=0, shift=0, gamma=0, bias_field=0, saturate=0, blur=0, noise=0)


def task_of(args):
    return task_by_name(args.task) if getattr(args, "task", None) else BINARY


def data_sources(args):
    """Open every --data source (names, folders, mappings checked; nothing decoded yet)."""
    sources = open_sources([str(user_path(d)) if "=" not in d else d.split("=", 1)[0] + "=" + str(user_path(d.split("=", 1)[1]))
                            for d in args.data], args.map, task_of(args))
    if args.preprocessing == 1 and len(sources) > 1:
        raise DataError("preprocessing version 1 takes one --data source")
    return sources


def load_dataset(args, model_cfg: ModelConfig, log, sources=None):
    sources = sources or data_sources(args)
    return prepare(sources, args.preprocessing, model_cfg.input_size, None if args.no_cache else args.cache_dir, DedupConfig(), log)


def cmd_train(args) -> dict:
    out = args.out
    model_cfg, train_cfg = configs(args)  # bad options and data fail before anything is written
    sources = data_sources(args)
    log = Logger(out / "train.log" if args.log is None else args.log)
    torch.set_num_threads(args.threads)
    ds = load_dataset(args, model_cfg, log, sources)
    args.prepared = ds
    run = train_and_write(ds, out, name=args.name, version=args.version, model_cfg=model_cfg,
                          train_cfg=train_cfg, split_seed=args.seed, log=log, loso=args.loso,
                          loso_train_cfg=replace(train_cfg, max_minutes=args.loso_minutes) if getattr(args, "loso_minutes", None) else None)
    run["kfold"] = run_kfold(ds, args.kfold, model_cfg, train_cfg, args.seed, log) if args.kfold else None
    if run["kfold"]:
        log("k-fold test mean ± sd: " + ", ".join(f"{k} {v['mean']:.4f} ± {v['sd']:.4f}" for k, v in run["kfold"]["summary"].items()))
    run["log"] = log
    return run


def cmd_bench(args) -> None:
    args.loso = not args.no_loso
    task = task_of(args)
    if args.out is None:
        args.out = PACKAGE_DIR / "models" / ("demo" if task is BINARY else "type")
    if args.bench_out is None:
        args.bench_out = PACKAGE_DIR / "bench" / ("" if task is BINARY else "type")
    if args.name is None:
        args.name = "demo" if task is BINARY else "type"
    if task is not BINARY:
        cmd_bench_type(args)
        return
    run = cmd_train(args)
    log = run["log"]
    r = run["result"]
    timing = {
        "secondsPerEpoch": round(r.seconds_per_epoch, 2),
        "trainImagesPerSecond": round(r.train_images_per_second, 2),
        "epochsRun": r.epochs_run,
        "bestEpoch": r.best_epoch,
        "wallSeconds": round(r.wall_seconds, 1),
        "stoppedBy": r.stopped_by,
        "device": r.device,
        "threads": r.threads,
    }
    ds = args.prepared
    br35h = next((k for k, s in enumerate(ds.sources) if "no" in s.mapping.values()), 0)
    picks = test_examples(ds, run["split_indices"], SAMPLES_PER_CLASS, source=br35h)
    samples = write_samples([ds.samples[i][1].path for i in picks], args.out / "samples")
    log(f"copied {len(samples)} test-side sample images to {display_path(args.out / 'samples')}")
    paper = None
    if args.paper_minutes > 0 and args.preprocessing == 2:
        paper_cfg, paper_train = configs(args, arch="paper", max_minutes=args.paper_minutes)
        paper_train = replace(paper_train, localization_weight=0.0, localization_warmup=0)  # the paper's recipe: cross-entropy only
        log(f"paper CNN row: {paper_cfg.channels} at S = {paper_cfg.input_size}, Adam {paper_train.learning_rate}, same split")
        ds_paper = ds if paper_cfg.input_size == ds.size else load_dataset(args, paper_cfg, log)
        if [s.path for _, s in ds_paper.samples] != [s.path for _, s in ds.samples]:
            raise RuntimeError("the paper CNN's data set does not line up with the demo model's")
        paper = paper_row(ds_paper, run["split_indices"], paper_cfg, paper_train, log)
        paper["architecture"] = architecture_spec(build_model(paper_cfg))
        log(f"paper CNN row: test {paper['test']}")
    table = bench_table(run["card"], timing, run["kfold"], [s.name for s in ds.sources], run["residual"], run["loso"],
                        run["inSourceLocalization"], paper, run["validationLocalization"], run["tumorRemoval"],
                        run["inSourceSiteCheck"], run["sourceReadability"])
    write_bench(table, args.bench_out)
    print((args.bench_out / "table1.md").read_text())
    print(f"wrote {args.bench_out / 'table1.json'} and table1.md")


def cmd_bench_type(args) -> None:
    """The type task's bench: the model, its metrics, leave-one-source-out notes, bench/type/ JSON + markdown
    (no paper CNN row and no samples: the paper's CNN is binary, and the dApp's samples are the demo's)."""
    run = cmd_train(args)
    r = run["result"]
    timing = {"secondsPerEpoch": round(r.seconds_per_epoch, 2), "trainImagesPerSecond": round(r.train_images_per_second, 2),
              "epochsRun": r.epochs_run, "bestEpoch": r.best_epoch, "wallSeconds": round(r.wall_seconds, 1),
              "stoppedBy": r.stopped_by, "device": r.device}
    table = type_bench_table(run["card"], timing, [s.name for s in args.prepared.sources], run["residual"],
                             run["untypedTumors"], run["inSourceLocalization"], run["kfold"])
    write_type_bench(table, args.bench_out)
    print((args.bench_out / "type.md").read_text())
    print(f"wrote {args.bench_out / 'type.json'} and type.md")


def cmd_calibrate(args) -> None:
    """Type task: choose the tumor head's no-logit offset on the validation side of the model's own
    split (same data, same seed: checked against the card), bake it into the bias, and rewrite the
    model folder (model.pt, ONNX, card, plots, vectors) and bench/type/ from the calibrated model."""
    model_dir = args.model
    model, ckpt = load_checkpoint(model_dir / "model.pt")
    card = json.loads((model_dir / "card.json").read_text())
    if not isinstance(model, TumorTypeCNN):
        raise ValueError(f"{display_path(model_dir)} is not a type task model (head {card['architecture'].get('head')!r}): "
                         "only the two-head model has a tumor head to calibrate")
    if "calibration" in card["architecture"]:
        raise ValueError(f"{display_path(model_dir)} is calibrated already (no-logit offset "
                         f"{card['architecture']['calibration']['noLogitOffset']}): calibrate the uncalibrated model")
    args.task, args.preprocessing = card["task"], ckpt["preprocessing"]["version"]
    out = args.out or model_dir
    log = Logger(out / "calibrate.log" if args.log is None else args.log)
    torch.set_num_threads(args.threads)
    model_cfg = ModelConfig.from_dict(ckpt["model_config"])
    ds = load_dataset(args, model_cfg, log)
    if fingerprint(ds.sources) != card["data"]["fingerprint"]:
        raise DataError("the data differ from the model's run (fingerprint): calibrate on the sources it was trained on")
    split, sides, residual = split_of(ds, card["data"]["split"]["seed"], log)
    for side in ("train", "validation", "test"):
        if sides[side] != card["data"]["split"][side]:
            raise DataError(f"the {side} side differs from the model's run ({sides[side]} vs the card's "
                            f"{card['data']['split'][side]}): the code or data changed the split")
    spec, inputs = make_inputs(ds, split.train, TrainConfig(localization_weight=0.0))
    choice = validation_offset(model, inputs, ds.labels, split.validation)  # the validation side only
    log(f"no-logit offset on validation: b = {choice['offset']} (criterion {choice['scoreAtZero']:.4f} -> {choice['score']:.4f})")
    if choice["offset"] == 0.0:
        log("no offset improves the validation criterion: the model is left as it is")
        return
    apply_no_offset(model, choice["offset"])
    hyper = card["hyperparameters"]
    result = TrainResult(model=model, best_epoch=hyper["bestEpoch"], epochs_run=hyper["epochsRun"], curves=card["curves"],
                         seconds_per_epoch=0.0, train_images_per_second=0.0, wall_seconds=0.0, stopped_by="")
    calibration = {
        "noLogitOffset": choice["offset"], "chosenOn": "validation",
        "criterion": hyper["earlyStoppingMetric"] + " (the early-stopping criterion)",
        "validationCriterion": {"before": round(choice["scoreAtZero"], 6), "after": round(choice["score"], 6)},
        "grid": choice["grid"], "code": code_version(), "uncalibratedOnnxSha256": card["onnx"]["sha256"],
    }
    formula = (TUMOR_TYPE_FORMULA + f"; bT[no] includes the no-logit offset b = {choice['offset']:g} chosen on validation "
               "(the early-stopping criterion), so p(no) is the calibrated cut-off's")
    old_test = card["metrics"]["test"]
    run = evaluate_and_write(ds, split, sides, residual, card["metrics"]["leaveOneSourceOut"], {}, result, spec, inputs, out,
                             name=card["name"], version=card["version"], hyperparameters=hyper, train_config=ckpt["train_config"],
                             split_seed=card["data"]["split"]["seed"], code=card["code"], log=log,
                             architecture_extra={"headFormula": formula, "calibration": calibration})
    if args.bench_out:
        old_bench = args.bench_out / "type.json"
        previous = json.loads(old_bench.read_text()) if old_bench.exists() else {}
        timing = previous.get("timing") or {"secondsPerEpoch": None, "trainImagesPerSecond": None, "epochsRun": hyper["epochsRun"],
                                            "bestEpoch": hyper["bestEpoch"], "wallSeconds": None, "stoppedBy": "unknown", "device": "cpu"}
        table = type_bench_table(run["card"], timing, [s.name for s in ds.sources], run["residual"], run["untypedTumors"],
                                 run["inSourceLocalization"], previous.get("kfold"))
        table["calibration"] = {**calibration, "uncalibratedTest": old_test,
                                "uncalibratedUntypedTumorsTest": previous.get("untypedTumorsTest")}
        write_type_bench(table, args.bench_out)
        print((args.bench_out / "type.md").read_text())


def cmd_evaluate(args) -> None:
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    if len(args.data) != 1:
        raise DataError("evaluate takes one --data folder")
    metrics = evaluate_folder(args.model, user_path(args.data[0]), log=log, map_args=args.map,
                              predictions=args.predictions, task=args.task)
    if args.json:
        print(dump_json_line(metrics))
    else:
        for k in ("accuracy", "precision", "recall", "f1", "auc"):
            v = metrics[k]
            print(f"{k:>9}: {'n/a' if v is None else f'{v:.4f}'}")
        print(f"        n: {metrics['n']} (unreadable {metrics['unreadable']})")
        print(f"confusion: {metrics['confusion']} (rows true {metrics['labels']}, columns predicted)")
        if "perClass" in metrics:
            print(f"macro specificity: {metrics['specificity']:.4f}")
            for label, c in metrics["perClass"].items():
                auc = "n/a" if c["auc"] is None else f"{c['auc']:.4f}"
                print(f"  {label:>10}: precision {c['precision']:.4f} recall {c['recall']:.4f} f1 {c['f1']:.4f} auc {auc} support {c['support']}")
        if metrics.get("untypedTumors"):
            u = metrics["untypedTumors"]
            print(f"tumors without a type: {u['calledTumor']} of {u['n']} called a tumor")
        for line in ood_lines(metrics.get("outOfDistribution")):
            print(line)
        if args.predictions:
            print(f"predictions: {args.predictions}")


def ood_lines(ood: dict | None) -> list[str]:
    """evaluate's out-of-distribution summary for people (none for a card without `ood`)."""
    if ood is None:
        return []
    lines = [f"      OOD: {ood['flagged']} of {ood['n']} images above the card's threshold {ood['threshold']:.3g}"]
    check = ood["siteCheck"]
    if check is None:
        return lines + ["site check: not available (the card has no validationScores, or no image was readable)"]
    if check["pValue"] is None:
        verdict = f"no verdict (no stratum has {SITE_MIN_VALIDATION} validation scores)"
    else:
        verdict = {True: "unlike the training data", False: "no evidence of a difference",
                   None: f"too few images for a verdict (n < {SITE_MIN_IMAGES})"}[check["unlikeTraining"]]
        verdict = f"p {check['pValue']:.3g} against the closest stratum, {check['closestStratum']} (alpha {check['alpha']:g}): {verdict}"
    lines.append(f"site check: {verdict}")
    lines += [f"  {row['stratum']}: AUROC {row['auroc']:.3f}, z {row['z']:.2f}, p {row['pValue']:.3g} "
              f"({row['validationN']} validation images)" for row in check["strata"]]
    return lines


def cmd_export(args) -> None:
    """Re-export model.onnx (and vectors/, card.json's onnx section) from model.pt."""
    model_dir = args.model
    model, ckpt = load_checkpoint(model_dir / "model.pt")
    spec = PreprocSpec.from_checkpoint(ckpt)
    onnx_section = export_onnx(model, model_dir / "model.onnx")
    vectors_dir = model_dir / "vectors"
    sources = sorted(vectors_dir.glob("v*.png"), key=lambda p: int(p.stem[1:])) if vectors_dir.is_dir() else []
    card_path = model_dir / "card.json"
    card = json.loads(card_path.read_text()) if card_path.exists() else None
    if sources:
        with tempfile.TemporaryDirectory() as tmp:  # sources live in the folder being rewritten
            copies = []
            for src in sources:
                copies.append(Path(tmp) / src.name)
                copies[-1].write_bytes(src.read_bytes())
            write_vectors(model, copies, vectors_dir, spec, card.get("ood") if card else None, labels=ckpt["labels"])
    if card is not None:
        card["onnx"] = onnx_section
        write_card(card, card_path)
        validate_card(card)
    print(f"exported {model_dir / 'model.onnx'} (sha256 {onnx_section['sha256']}); vectors: {len(sources)}")


def cmd_fit_jobs(args) -> None:
    """Train every planned job of `--plan-fits` (e.g. on a GPU machine), several at once."""
    import multiprocessing as mp

    if args.compact:
        fitstore.compact(args.plan)
        return
    if args.out is None:
        raise ValueError("fit-jobs wants --out (where the fit-<key>.pt files go)")
    jobs = sorted((args.plan / "jobs").glob("*.json"))
    args.out.mkdir(parents=True, exist_ok=True)
    pending = [j for j in jobs if not (args.out / f"fit-{j.stem}.pt").exists()]
    print(f"{len(jobs)} planned fits, {len(pending)} to train on {args.device} with {args.workers} workers", flush=True)
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.workers, initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:
        for done in pool.imap_unordered(_fit_job, [(str(j), str(args.out), args.device, args.threads) for j in pending]):
            print(done, flush=True)


PARENT_POLL_SECONDS = 2.0


def _exit_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker when fit-jobs itself is gone (killed, not just stopped), so
    an hour-long fit does not go on holding a core or a GPU as an orphan. A dead parent shows as a
    new parent process id (the worker is re-parented)."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent_pid:
                os._exit(3)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _fit_job(a) -> str:
    from .fitstore import run_job

    job, out, device, threads = a
    name = Path(job).stem[:8]
    log = Logger(Path(out) / f"fit-{Path(job).stem}.log", echo=lambda m: print(f"[{name}] {m}", flush=True))
    try:
        return str(run_job(Path(job), Path(out), device, threads, log))
    except Exception as exc:  # one failed fit must not stop the others
        import traceback

        log(traceback.format_exc())
        return f"FAILED {Path(job).name}: {exc!r}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuroledger-training", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train on one or more <data>/<class>/* sources and write model.onnx, model.pt, card.json, plots")
    add_data_options(p, required=True)
    p.add_argument("--out", type=user_path, required=True)
    p.add_argument("--loso", action="store_true", help="also run leave-one-source-out (one more fit per source)")
    p.add_argument("--log", type=user_path, default=None, help="progress log to tail (default <out>/train.log)")
    add_training_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("bench", help="train the defaults on br35h + figshare: the demo model, leave-one-source-out, the paper CNN row, bench/table1.{json,md}")
    add_data_options(p, required=False)
    p.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out fits")
    p.add_argument("--loso-minutes", type=float, default=None, help="time budget of each leave-one-source-out fit (default --max-minutes)")
    p.add_argument("--paper-minutes", type=float, default=15.0, help="time budget of the paper CNN row (0: skip it)")
    p.add_argument("--paper-channels", type=_channels, default=None, help="widths of the paper CNN row (default 16,32,64,128)")
    p.add_argument("--paper-size", type=int, default=None, help="input size of the paper CNN row (default 256)")
    p.add_argument("--out", type=user_path, default=None, help="model folder (default models/demo; type task: models/type)")
    p.add_argument("--bench-out", type=user_path, default=None, help="bench JSON folder (default bench/; type task: bench/type/)")
    p.add_argument("--log", type=user_path, default=None, help="progress log to tail (default <out>/train.log)")
    add_training_options(p)
    p.set_defaults(func=cmd_bench, name=None, data_default=DEFAULT_DATA)  # name: demo, or type for the type task

    p = sub.add_parser("evaluate", help="metrics of a model folder on every image of <data>/<class>/*")
    p.add_argument("--model", type=user_path, required=True, help="folder with model.pt (and card.json)")
    add_data_options(p, required=True)
    p.add_argument("--json", action="store_true", help="last line of output: one JSON object")
    p.add_argument("--predictions", type=user_path, default=None, metavar="CSV",
                   help="write one row per image: file, label, predicted, probability, peak_x, peak_y")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("fit-jobs", help="train the fits planned by --plan-fits (a GPU machine's part of bench) into fit-<key>.pt files")
    p.add_argument("--plan", type=user_path, required=True)
    p.add_argument("--out", type=user_path, default=None, help="where fit-<key>.pt files go (required unless --compact)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--workers", type=int, default=4, help="fits trained at the same time")
    p.add_argument("--threads", type=int, default=2, help="CPU threads per fit")
    p.add_argument("--compact", action="store_true", help="only shrink the plan for travel (drop unused maps, xz) and exit")
    p.set_defaults(func=cmd_fit_jobs)

    p = sub.add_parser("calibrate", help="type task: choose the tumor head's no-logit offset on validation, bake it in, "
                                         "re-evaluate and rewrite the model folder (and bench/type/)")
    p.add_argument("--model", type=user_path, required=True, help="the type model's folder (model.pt, card.json)")
    add_data_options(p, required=False)
    p.add_argument("--out", type=user_path, default=None, help="where the calibrated model goes (default: --model, in place)")
    p.add_argument("--bench-out", type=user_path, default=None, help="also rewrite <DIR>/type.{json,md} (keeps its timing and k-fold)")
    p.add_argument("--log", type=user_path, default=None, help="progress log (default <out>/calibrate.log)")
    p.add_argument("--threads", type=int, default=TrainConfig().threads)
    p.add_argument("--cache-dir", type=user_path, default=DEFAULT_CACHE, help="where decoded images are cached")
    p.add_argument("--no-cache", action="store_true", help="decode into memory only")
    p.set_defaults(func=cmd_calibrate, data_default=DEFAULT_DATA)

    p = sub.add_parser("export", help="re-export model.onnx, vectors/ and the card's onnx section from model.pt")
    p.add_argument("--model", type=user_path, required=True)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "data_default", None) and not args.data:
        args.data = [f"{name}={path}" for name, path in args.data_default]
    # The fit store (--fitted-dir / --plan-fits) is this call's only: a later call in the same
    # process (the tests, a notebook) must train again, not plan or load.
    store = fitstore.FitStore(args.fitted_dir, args.plan_fits) if getattr(args, "fitted_dir", None) or getattr(args, "plan_fits", None) else None
    fitstore.activate(store)
    try:
        args.func(args)
    except (DataError, SplitError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        fitstore.activate(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
