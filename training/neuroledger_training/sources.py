"""Several data sources (`--data name=dir`, repeatable) mapped onto the task's labels.

Each source is a `<dir>/<class>/*` folder whose class folders map to the task labels
(`DEFAULT_MAPPING`, overridable per folder). A source may also carry tumor boxes and patient ids:
`<dir>/labels.csv` (columns `file`, `x_min,y_min,x_max,y_max`, optional `cv_fold`, as figshare has)
or a sibling `<dir>-boxes.csv` (as `br35h-boxes.csv`), one row per box.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .data import DataError, FolderListing, drop_unreadable, scan_folder, try_decode
from .preprocess_v2 import area_map
from .tasks import BINARY, Task

TASK_LABELS = list(BINARY.labels)  # the binary task's (the default task)
DEFAULT_MAPPING = dict(BINARY.folders)
MAP_CACHE_VERSION = 2  # bump when preprocess_v2 steps 1-6 change: stale caches are never reused


@dataclass
class Source:
    name: str
    listing: FolderListing
    mapping: dict[str, str]  # class folder -> task label
    boxes: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)  # relpath -> boxes
    patients: dict[str, str] = field(default_factory=dict)  # relpath -> patient group key
    annotations: list[str] = field(default_factory=list)  # the files boxes/patients came from (names only)
    task: Task = BINARY

    def task_label(self, sample) -> int:
        """Index of the sample's data label in `task.data_labels` (= the output label for the binary task)."""
        return self.task.data_labels.index(self.mapping[self.listing.labels[sample.label]])

    def card_entry(self) -> dict:
        return {
            "name": self.name,
            "fingerprint": self.listing.fingerprint(),
            "files": self.listing.files,
            "unreadable": len(self.listing.unreadable),
            "classes": self.listing.class_counts(),
            "mapping": dict(self.mapping),
            "boxes": sum(1 for s in self.listing.samples if s.relpath in self.boxes),
            "annotations": self.annotations,
        }


def parse_data_arg(value: str) -> tuple[str, str]:
    """`name=dir` -> (name, dir); a bare `dir` is named after its last folder."""
    if "=" in value:
        name, path = value.split("=", 1)
    else:
        name, path = Path(value.rstrip("/")).name, value
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise DataError(f"bad source name {name!r} in --data {value!r} (letters, digits, - _ .)")
    if not path:
        raise DataError(f"--data {value!r} has no folder")
    return name, path


def parse_mapping_args(values: list[str], task: Task = BINARY) -> dict[tuple[str | None, str], str]:
    """`--map [source:]folder=label` -> {(source or None, folder): label}; label one of the task's data labels."""
    out: dict[tuple[str | None, str], str] = {}
    for value in values:
        if "=" not in value:
            raise DataError(f"--map wants [source:]folder=label, got {value!r}")
        key, label = value.split("=", 1)
        source, folder = key.split(":", 1) if ":" in key else (None, key)
        if label not in task.data_labels:
            raise DataError(f"--map {value!r}: label must be one of {list(task.data_labels)} (task {task.name}), got {label!r}")
        out[(source, folder)] = label
    return out


def _mapping(name: str, folders: list[str], overrides: dict, task: Task = BINARY) -> dict[str, str]:
    mapping = {}
    for folder in folders:
        label = overrides.get((name, folder), overrides.get((None, folder), task.folders.get(folder.lower())))
        if label is None:
            if task is BINARY:
                hint = f"add --map {name}:{folder}=yes (or =no)"
            else:
                hint = (f"task {task.name} maps {task.describe_folders()}; add --map {name}:{folder}=<label> "
                        f"(one of {', '.join(task.data_labels)})")
            raise DataError(f"source {name!r}: class folder {folder!r} has no label; {hint}")
        mapping[folder] = label
    return mapping


def _read_annotations(root: Path) -> tuple[dict, dict, list[str]]:
    boxes: dict[str, list] = {}
    patients: dict[str, str] = {}
    used = []
    for path in (root / "labels.csv", root.parent / f"{root.name}-boxes.csv"):
        if not path.is_file():
            continue
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "file" not in rows[0]:
            continue
        used.append(path.name)
        for row in rows:
            rel = row["file"]
            if all(row.get(k) not in (None, "") for k in ("x_min", "y_min", "x_max", "y_max")):
                boxes.setdefault(rel, []).append(tuple(float(row[k]) for k in ("x_min", "y_min", "x_max", "y_max")))
            if row.get("cv_fold") not in (None, ""):
                patients[rel] = f"cv_fold:{row['cv_fold']}"
    return boxes, patients, used


def open_sources(data_args: list[str], map_args: list[str] | None = None, task: Task = BINARY) -> list[Source]:
    """Scan every `--data` source; DataError for duplicate names, unmapped folders, or a task label
    no source provides."""
    overrides = parse_mapping_args(map_args or [], task)
    sources, seen = [], set()
    for value in data_args:
        name, path = parse_data_arg(str(value))
        if name in seen:
            raise DataError(f"two --data sources are named {name!r}")
        seen.add(name)
        root = Path(path)
        listing = scan_folder(root, min_classes=1)
        boxes, patients, used = _read_annotations(root)
        sources.append(Source(name, listing, _mapping(name, listing.labels, overrides, task), boxes, patients, used, task))
    unknown = {s for s, _ in overrides if s is not None} - seen
    if unknown:
        raise DataError(f"--map names unknown source(s): {', '.join(sorted(unknown))}")
    present = {label for s in sources for label in s.mapping.values()}
    missing = [label for label in task.labels if label not in present]
    if missing:
        need = f"both {list(task.labels)}" if task is BINARY else f"every label of {task.name}: {list(task.labels)}"
        raise DataError(f"no source provides label(s) {missing}: training needs {need}")
    return sources


def fingerprint(sources: list[Source]) -> str:
    """sha256 over the sorted lines "<source>/<class>/<sha256>" of every readable file of every source."""
    lines = sorted(f"{src.name}/{src.listing.labels[s.label]}/{s.sha256}" for src in sources for s in src.listing.samples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class Maps:
    """Preprocessing v2 steps 1-6 for every readable image of one source."""
    grey: np.ndarray  # float32 [N, S, S], 0..255
    max_sum: np.ndarray  # int64 [N]
    regions: np.ndarray  # int64 [N, 3]: left, top, size
    sizes: np.ndarray  # int64 [N, 2]: width, height


def _map_cache_key(listing: FolderListing, size: int) -> str:
    lines = sorted(f"{s.relpath}\t{s.sha256}" for s in listing.samples)
    payload = f"maps={MAP_CACHE_VERSION} size={size}\n" + "\n".join(lines)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def load_maps(listing: FolderListing, size: int, cache_dir: Path | None, log=print) -> Maps:
    """Decode every file once and keep the area maps (memory-mapped under cache_dir when given);
    unreadable files are dropped from the listing, reported and counted."""
    key = _map_cache_key(listing, size)
    if cache_dir is not None:
        grey_path = Path(cache_dir) / f"maps-{key}.npy"
        meta_path = Path(cache_dir) / f"maps-{key}.npz"
        json_path = Path(cache_dir) / f"maps-{key}.json"
        if grey_path.exists() and meta_path.exists() and json_path.exists():
            meta = json.loads(json_path.read_text())
            drop_unreadable(listing, [tuple(x) for x in meta["unreadable"]], log)
            if [s.relpath for s in listing.samples] != meta["relpaths"]:
                raise RuntimeError(f"map cache {grey_path} does not match the folder; delete it")
            z = np.load(meta_path)
            log(f"map cache hit: {grey_path.name} ({len(listing.samples)} images)")
            return Maps(np.load(grey_path, mmap_mode="r"), z["max_sum"], z["regions"], z["sizes"])
    n = len(listing.samples)
    grey = np.empty((n, size, size), dtype=np.float32)
    max_sum = np.empty(n, dtype=np.int64)
    regions = np.empty((n, 3), dtype=np.int64)
    sizes = np.empty((n, 2), dtype=np.int64)
    bad, k = [], 0
    started = time.monotonic()
    for i, sample in enumerate(listing.samples):
        rgb, reason = try_decode(sample)
        if rgb is None:
            bad.append((sample.relpath, reason))
            continue
        am = area_map(rgb, size)
        grey[k], max_sum[k] = am.grey, am.max_sum
        regions[k] = (am.region.left, am.region.top, am.region.size)
        sizes[k] = (rgb.shape[1], rgb.shape[0])
        k += 1
        if (i + 1) % 500 == 0:
            log(f"decoded {i + 1}/{n} images ({time.monotonic() - started:.1f} s)")
    drop_unreadable(listing, bad, log)
    maps = Maps(grey[:k], max_sum[:k], regions[:k], sizes[:k])
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = grey_path.with_suffix(f".tmp{os.getpid()}.npy")
        np.save(tmp, maps.grey)
        np.savez(meta_path, max_sum=maps.max_sum, regions=maps.regions, sizes=maps.sizes)
        json_path.write_text(json.dumps({"relpaths": [s.relpath for s in listing.samples], "unreadable": bad}))
        os.replace(tmp, grey_path)
        log(f"map cache written: {grey_path.name} ({k} images, {time.monotonic() - started:.1f} s)")
    return maps
