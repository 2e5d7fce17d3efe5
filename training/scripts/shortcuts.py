"""How well do label-free image properties separate the classes (and the sources)? AUROC of single
properties, before and after preprocessing v2. An AUROC far from 0.5 is a shortcut a network can
learn instead of the tumor. Reads the v2 map cache (run train or bench first).

Usage: /usr/bin/python3 scripts/shortcuts.py [S]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuroledger_training.metrics import roc_auc  # noqa: E402
from neuroledger_training.preprocess_v2 import head_mask, standardize  # noqa: E402
from neuroledger_training.sources import load_maps, open_sources  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def auc(pos, neg) -> float:
    a = roc_auc(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg])
    return max(a, 1 - a)  # separability, whichever direction


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    sources = open_sources([f"br35h={DATA / 'br35h'}", f"figshare={DATA / 'figshare'}"])
    props = {}
    for src in sources:
        maps = load_maps(src.listing, size, Path(__file__).resolve().parent.parent / ".cache", lambda m: None)
        v = torch.tensor(np.asarray(maps.grey))
        mask = head_mask(v, torch.tensor(maps.max_sum))
        x = standardize(v, mask).numpy()
        labels = np.array([src.task_label(s) for s in src.listing.samples])
        w, h = maps.sizes[:, 0].astype(float), maps.sizes[:, 1].astype(float)
        props[src.name] = (labels, {
            "image width (raw)": w,
            "image height (raw)": h,
            "aspect h/w (raw)": h / w,
            "square image (raw)": (w == h).astype(float),
            "mean grey of the head square (before standardising)": np.asarray(maps.grey).mean(axis=(1, 2)),
            "mean of the v2 input": x.mean(axis=(1, 2)),
            "std of the v2 input": x.std(axis=(1, 2)),
            "head fraction of the v2 input": mask.numpy().mean(axis=(1, 2)),
        })
    labels, p = props["br35h"]
    _, q = props["figshare"]
    print("| property | br35h yes vs no | figshare yes vs br35h yes |")
    print("|---|---|---|")
    for name in p:
        print(f"| {name} | {auc(p[name][labels == 1], p[name][labels == 0]):.3f} | {auc(q[name], p[name][labels == 1]):.3f} |")


if __name__ == "__main__":
    main()
