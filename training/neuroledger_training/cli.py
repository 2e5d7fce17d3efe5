"""Command line: train, evaluate, export, bench. A thin layer over the modules."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import torch

from .bench import bench_table, write_bench
from .card import validate_card, write_card
from .data import DataError
from .dedup import DedupConfig
from .evaluate import evaluate_folder
from .export import export_onnx, write_vectors
from .model import ModelConfig, load_checkpoint
from .pipeline import Logger, dump_json_line, prepare, run_kfold, test_examples, train_and_write
from .samples import SAMPLES_PER_CLASS, write_samples
from .split import SplitError
from .train import TrainConfig

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # training/
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "br35h"
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


def add_training_options(p: argparse.ArgumentParser) -> None:
    d, m = TrainConfig(), ModelConfig()
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"maximum epochs (default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.learning_rate)
    p.add_argument("--patience", type=int, default=d.patience, help="early-stopping patience on validation F1")
    p.add_argument("--seed", type=int, default=d.seed, help="seed for weights, batches, augmentation and the split")
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget for the fit (stops after the epoch that exceeds it)")
    p.add_argument("--channels", type=_channels, default=m.channels, help="conv widths, e.g. 16,32,64,128")
    p.add_argument("--no-batch-norm", action="store_true", help="the paper's blocks without batch-norm")
    p.add_argument("--kfold", type=int, default=0, metavar="K", help="also run K-fold group cross-validation")
    p.add_argument("--cache-dir", type=user_path, default=DEFAULT_CACHE, help="where decoded images are cached")
    p.add_argument("--no-cache", action="store_true", help="decode into memory only")
    p.add_argument("--name", default="model")
    p.add_argument("--version", default="1.0.0")


def configs(args) -> tuple[ModelConfig, TrainConfig]:
    model_cfg = ModelConfig(channels=args.channels, batch_norm=not args.no_batch_norm)
    train_cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                            patience=args.patience, seed=args.seed, threads=args.threads,
                            max_minutes=args.max_minutes)
    return model_cfg, train_cfg


def cmd_train(args) -> dict:
    out = args.out
    model_cfg, train_cfg = configs(args)  # bad options fail before anything is written
    if not args.data.is_dir():
        raise DataError(f"data folder not found: {args.data}")
    log = Logger(out / "train.log" if args.log is None else args.log)
    torch.set_num_threads(args.threads)
    data = prepare(args.data, None if args.no_cache else args.cache_dir, DedupConfig(), log)
    args.prepared = data
    run = train_and_write(data, out, name=args.name, version=args.version, model_cfg=model_cfg,
                          train_cfg=train_cfg, split_seed=args.seed, log=log)
    run["kfold"] = run_kfold(data, args.kfold, model_cfg, train_cfg, args.seed, log) if args.kfold else None
    if run["kfold"]:
        log("k-fold test mean ± sd: " + ", ".join(f"{k} {v['mean']:.4f} ± {v['sd']:.4f}" for k, v in run["kfold"]["summary"].items()))
    return run


def cmd_bench(args) -> None:
    run = cmd_train(args)
    r = run["result"]
    timing = {
        "secondsPerEpoch": round(r.seconds_per_epoch, 2),
        "trainImagesPerSecond": round(r.train_images_per_second, 2),
        "epochsRun": r.epochs_run,
        "bestEpoch": r.best_epoch,
        "wallSeconds": round(r.wall_seconds, 1),
        "stoppedBy": r.stopped_by,
    }
    samples = write_samples(test_examples(args.prepared, run["split_indices"], SAMPLES_PER_CLASS), args.out / "samples")
    print(f"copied {len(samples)} test-side sample images to {args.out / 'samples'}")
    table = bench_table(run["card"], timing, run["kfold"], args.data.name, run["residual"])
    write_bench(table, args.bench_out)
    print((args.bench_out / "table1.md").read_text())
    print(f"wrote {args.bench_out / 'table1.json'} and table1.md")


def cmd_evaluate(args) -> None:
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    metrics = evaluate_folder(args.model, args.data, log=log)
    if args.json:
        print(dump_json_line(metrics))
    else:
        for k in ("accuracy", "precision", "recall", "f1", "auc"):
            v = metrics[k]
            print(f"{k:>9}: {'n/a' if v is None else f'{v:.4f}'}")
        print(f"        n: {metrics['n']} (unreadable {metrics['unreadable']})")
        print(f"confusion: {metrics['confusion']} (rows true {metrics['labels']}, columns predicted)")


def cmd_export(args) -> None:
    """Re-export model.onnx (and vectors/, card.json's onnx section) from model.pt."""
    model_dir = args.model
    model, ckpt = load_checkpoint(model_dir / "model.pt")
    onnx_section = export_onnx(model, model_dir / "model.onnx")
    vectors_dir = model_dir / "vectors"
    sources = sorted(vectors_dir.glob("v*.png")) if vectors_dir.is_dir() else []
    if sources:
        with tempfile.TemporaryDirectory() as tmp:  # sources live in the folder being rewritten
            copies = []
            for src in sources:
                copies.append(Path(tmp) / src.name)
                copies[-1].write_bytes(src.read_bytes())
            write_vectors(model, copies, vectors_dir, ckpt["mean"], ckpt["std"])
    card_path = model_dir / "card.json"
    if card_path.exists():
        card = json.loads(card_path.read_text())
        card["onnx"] = onnx_section
        write_card(card, card_path)
        validate_card(card)
    print(f"exported {model_dir / 'model.onnx'} (sha256 {onnx_section['sha256']}); vectors: {len(sources)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuroledger-training", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train on <data>/<class>/* and write model.onnx, model.pt, card.json, plots")
    p.add_argument("--data", type=user_path, required=True)
    p.add_argument("--out", type=user_path, required=True)
    p.add_argument("--log", type=user_path, default=None, help="progress log to tail (default <out>/train.log)")
    add_training_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("bench", help="train the defaults on br35h: the demo model and bench/table1.{json,md}")
    p.add_argument("--data", type=user_path, default=DEFAULT_DATA)
    p.add_argument("--out", type=user_path, default=PACKAGE_DIR / "models" / "demo")
    p.add_argument("--bench-out", type=user_path, default=PACKAGE_DIR / "bench")
    p.add_argument("--log", type=user_path, default=None, help="progress log to tail (default <out>/train.log)")
    add_training_options(p)
    p.set_defaults(func=cmd_bench, name="demo")

    p = sub.add_parser("evaluate", help="metrics of a model folder on every image of <data>/<class>/*")
    p.add_argument("--model", type=user_path, required=True, help="folder with model.pt (and card.json)")
    p.add_argument("--data", type=user_path, required=True)
    p.add_argument("--json", action="store_true", help="last line of output: one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="re-export model.onnx, vectors/ and the card's onnx section from model.pt")
    p.add_argument("--model", type=user_path, required=True)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (DataError, SplitError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
