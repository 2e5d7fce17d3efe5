"""Folder scanning, image decoding and the one preprocessing function shared by training,
evaluation, export and the test vectors (docs/interfaces.md section 2)."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

INPUT_SIZE = 256
# Bumped whenever decode_rgb or resize_to_input changes, so stale caches are never reused.
PREPROCESSING_VERSION = 2  # 2: EXIF orientation applied (docs/interfaces.md section 2.0)


class DataError(ValueError):
    """A data folder that cannot be used (missing, empty class, single class, ...)."""


@dataclass(frozen=True)
class Sample:
    path: Path  # absolute path of the file
    relpath: str  # "<class>/<file name>", stable across machines
    label: int  # index into FolderListing.labels
    sha256: str  # hex digest of the file bytes


@dataclass
class FolderListing:
    """Files of a `<root>/<class>/*` folder; after decoding, `samples` holds only readable ones."""
    root: Path
    labels: list[str]
    samples: list[Sample]
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)
    files: int = 0  # every regular file seen, readable or not

    def class_counts(self) -> dict[str, int]:
        counts = {name: 0 for name in self.labels}
        for sample in self.samples:
            counts[self.labels[sample.label]] += 1
        return counts

    def fingerprint(self) -> str:
        """sha256 over the sorted lines "<class>/<sha256 of file>" of every readable file."""
        lines = sorted(f"{self.labels[s.label]}/{s.sha256}" for s in self.samples)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def decode_rgb(path: Path | str) -> np.ndarray:
    """Decode any image file to 8-bit RGB, HxWx3 uint8.

    Grayscale is replicated, palettes are expanded, alpha is dropped without compositing,
    EXIF orientation is applied (the upright image, as the CLI and browsers read it). The file
    extension is not trusted: Pillow reads the format from the bytes (some `.jpg` files are PNG).
    DICOM files go through `dicom.dicom_frames_rgb` (single-frame files only here).
    """
    if _is_dicom(path):
        return _single_dicom_frame(path)
    with Image.open(path) as opened:
        opened.load()
        img = ImageOps.exif_transpose(opened)
        mode = img.mode
        if mode == "RGB":
            rgb = np.asarray(img)
        elif mode in ("RGBA", "RGBa", "RGBX"):
            rgb = np.asarray(img)[:, :, :3]
        elif mode in ("L", "LA"):
            gray = np.asarray(img.getchannel(0) if mode == "LA" else img)
            rgb = np.repeat(gray[:, :, None], 3, axis=2)
        elif mode in ("P", "PA"):
            # convert("RGB") expands the palette and ignores transparency, i.e. drops alpha.
            rgb = np.asarray(img.convert("RGB"))
        elif mode == "1":
            rgb = np.repeat((np.asarray(img, dtype=np.uint8) * 255)[:, :, None], 3, axis=2)
        elif mode in ("CMYK", "YCbCr"):
            rgb = np.asarray(img.convert("RGB"))
        else:
            raise DataError(f"unsupported image mode {mode!r} (need 8-bit gray, palette, RGB or RGBA)")
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise DataError(f"decoded to unexpected array {rgb.dtype} {rgb.shape}")
    return np.array(rgb, dtype=np.uint8, order="C")  # a writable copy (Pillow arrays are read-only)


def _is_dicom(path: Path | str) -> bool:
    from .dicom import is_dicom

    return is_dicom(path)


def _single_dicom_frame(path: Path | str) -> np.ndarray:
    from .dicom import dicom_frames_rgb

    frames = dicom_frames_rgb(path)
    if len(frames) != 1:
        raise DataError(f"multi-frame DICOM ({len(frames)} frames): one image per file is expected")
    return frames[0]


def resize_to_input(rgb: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> float32 [3, 256, 256] on 0..255, bilinear, half-pixel centres, no antialias.

    Exactly the interpolate call named in the preprocessing spec; no rounding afterwards.
    """
    x = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0).to(torch.float32)  # [1, 3, H, W]
    x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False, antialias=False)
    return x[0].contiguous()  # [3, 256, 256]


def normalize(x: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    """(x / 255 - mean) / std per channel; x is [..., 3, H, W] on 0..255."""
    m = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
    return (x / 255.0 - m) / s


def preprocess(rgb: np.ndarray, mean: list[float], std: list[float]) -> torch.Tensor:
    """Decoded RGB image -> the model input [3, 256, 256] (add the batch axis yourself)."""
    return normalize(resize_to_input(rgb), mean, std)


def preprocess_file(path: Path | str, mean: list[float], std: list[float]) -> torch.Tensor:
    return preprocess(decode_rgb(path), mean, std)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def scan_folder(root: Path | str, min_classes: int = 2) -> FolderListing:
    """Read the layout `<root>/<class>/*` and hash every file (decoding comes later).

    A missing folder, fewer than `min_classes` class folders (one source of a multi-source run may
    hold a single class), or a class folder without files is a DataError.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    labels = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(labels) == 0:
        raise DataError(f"no class folders in {root} (expected <root>/<class>/<image files>)")
    if len(labels) == 1 and min_classes > 1:
        raise DataError(f"only one class folder in {root} ({labels[0]!r}): need at least two classes")
    listing = FolderListing(root=root, labels=labels, samples=[])
    for label, name in enumerate(labels):
        files = sorted(p for p in (root / name).iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise DataError(f"class folder {name!r} in {root} has no files")
        for path in files:
            listing.samples.append(Sample(path=path, relpath=f"{name}/{path.name}", label=label, sha256=_sha256_file(path)))
    listing.files = len(listing.samples)
    return listing


def try_decode(sample: Sample) -> tuple[np.ndarray | None, str | None]:
    """(rgb, None) or (None, reason) for a file that cannot be decoded."""
    try:
        return decode_rgb(sample.path), None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, DataError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def drop_unreadable(listing: FolderListing, bad: list[tuple[str, str]], log=print) -> None:
    """Remove unreadable files from the listing, report and count them, and re-check the classes."""
    for relpath, reason in bad:
        log(f"unreadable image skipped: {relpath} ({reason})")
    bad_paths = {relpath for relpath, _ in bad}
    listing.samples = [s for s in listing.samples if s.relpath not in bad_paths]
    listing.unreadable = list(bad)
    empty = [name for name, n in listing.class_counts().items() if n == 0]
    if empty:
        raise DataError(f"class folder(s) without a readable image in {listing.root}: {', '.join(empty)}")


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
