"""Decode and resize every image once; keep the float32 0..255 tensors on disk (memory-mapped).

The cached array holds the output of `resize_to_input`, the first half of the shared
preprocessing; training augments on it and then applies `normalize`, the second half.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .data import INPUT_SIZE, PREPROCESSING_VERSION, FolderListing, drop_unreadable, resize_to_input, try_decode


def cache_key(listing: FolderListing) -> str:
    lines = sorted(f"{s.relpath}\t{s.sha256}" for s in listing.samples)
    payload = f"preprocessing={PREPROCESSING_VERSION} size={INPUT_SIZE}\n" + "\n".join(lines)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def load_images(listing: FolderListing, cache_dir: Path | None, log=print) -> np.ndarray:
    """float32 [N, 3, 256, 256] for the readable samples of `listing` (unreadable ones are dropped
    from it, reported and counted). With `cache_dir`, the array is reused across runs."""
    key = cache_key(listing)
    if cache_dir is not None:
        array_path = Path(cache_dir) / f"images-{key}.npy"
        meta_path = Path(cache_dir) / f"images-{key}.json"
        if array_path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            drop_unreadable(listing, [tuple(x) for x in meta["unreadable"]], log)
            if [s.relpath for s in listing.samples] != meta["relpaths"]:
                raise RuntimeError(f"image cache {array_path} does not match the folder; delete it")
            log(f"image cache hit: {array_path.name} ({len(listing.samples)} images)")
            return np.load(array_path, mmap_mode="r")

    n = len(listing.samples)
    shape = (n, 3, INPUT_SIZE, INPUT_SIZE)
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp_path = array_path.with_suffix(f".tmp{os.getpid()}.npy")
        images = np.lib.format.open_memmap(tmp_path, mode="w+", dtype=np.float32, shape=shape)
    else:
        images = np.empty(shape, dtype=np.float32)
    bad: list[tuple[str, str]] = []
    keep: list[int] = []
    started = time.monotonic()
    for i, sample in enumerate(listing.samples):
        rgb, reason = try_decode(sample)
        if rgb is None:
            bad.append((sample.relpath, reason))
            continue
        images[len(keep)] = resize_to_input(rgb).numpy()
        keep.append(i)
        if (i + 1) % 250 == 0:
            log(f"decoded {i + 1}/{n} images ({time.monotonic() - started:.1f} s)")
    drop_unreadable(listing, bad, log)
    if cache_dir is None:
        return images[: len(keep)]
    images.flush()
    del images
    if bad:
        # Rewrite without the trailing unused rows so the cached array has exactly N readable rows.
        full = np.load(tmp_path, mmap_mode="r")
        trimmed = np.lib.format.open_memmap(array_path.with_suffix(".trim.npy"), mode="w+", dtype=np.float32, shape=(len(keep), *shape[1:]))
        trimmed[:] = full[: len(keep)]
        trimmed.flush()
        del trimmed, full
        os.replace(array_path.with_suffix(".trim.npy"), tmp_path)
    os.replace(tmp_path, array_path)
    meta_path.write_text(json.dumps({"relpaths": [s.relpath for s in listing.samples], "unreadable": bad}))
    log(f"image cache written: {array_path.name} ({len(keep)} images, {time.monotonic() - started:.1f} s)")
    return np.load(array_path, mmap_mode="r")
