"""DICOM frames to the 8-bit pixels the model sees (docs/interfaces.md section 2.0), with pydicom.

The same definition as the SDK's `decodeDicom` (sdk/src/dicom): modality LUT (rescale), the header's
VOI window (LINEAR, LINEAR_EXACT, SIGMOID), 8-bit unsigned images as stored, otherwise a robust
automatic window (0.5 / 99.5 % order statistics), MONOCHROME1 inverted; RGB used as stored.
Only pixel and geometry attributes are read, never patient data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def is_dicom(path: Path | str) -> bool:
    """`DICM` at byte 128 (Part 10)."""
    with open(path, "rb") as f:
        head = f.read(132)
    return len(head) == 132 and head[128:132] == b"DICM"


def _first(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return float(value[0]) if len(value) else None
    return float(value)


def _round(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def window_to_grey(stored: np.ndarray, ds) -> np.ndarray:
    """Stored values (sign-extended ints) of one grey frame -> uint8 grey, per section 2.0."""
    slope = _first(getattr(ds, "RescaleSlope", None))
    intercept = _first(getattr(ds, "RescaleIntercept", None))
    slope = 1.0 if slope is None else slope
    intercept = 0.0 if intercept is None else intercept
    m = stored.astype(np.float64) * slope + intercept
    center = _first(getattr(ds, "WindowCenter", None))
    width = _first(getattr(ds, "WindowWidth", None))
    if center is not None and width is not None and width >= 1:
        fn = str(getattr(ds, "VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
        if fn == "LINEAR_EXACT":
            g = _round(np.clip((m - center) / width + 0.5, 0, 1) * 255)
        elif fn == "SIGMOID":
            g = _round(255 / (1 + np.exp(-4 * (m - center) / width)))
        else:
            g = _round(((m - (center - 0.5)) / (width - 1 if width > 1 else 1) + 0.5) * 255)
            g = np.where(m <= center - 0.5 - (width - 1) / 2, 0, g)
            g = np.where(m > center - 0.5 + (width - 1) / 2, 255, g)
    elif int(ds.BitsAllocated) == 8 and int(getattr(ds, "PixelRepresentation", 0)) == 0:
        g = stored.astype(np.float64)
    else:
        s = np.sort(m.ravel())
        n = s.size
        lo = s[int(math.floor(0.005 * (n - 1)))]
        hi = s[int(math.ceil(0.995 * (n - 1)))]
        if hi > lo:
            g = _round(np.clip((m - lo) / (hi - lo), 0, 1) * 255)
        else:
            g = np.zeros_like(m)
    grey = g.astype(np.uint8)
    if str(ds.PhotometricInterpretation).strip().upper() == "MONOCHROME1":
        grey = 255 - grey
    return grey


def _stored(frame: np.ndarray, ds) -> np.ndarray:
    """Mask to BitsStored and sign-extend, as the SDK does (pydicom already does most of it)."""
    bits = int(getattr(ds, "BitsStored", ds.BitsAllocated))
    values = frame.astype(np.int64) & ((1 << bits) - 1)
    if int(getattr(ds, "PixelRepresentation", 0)) == 1:
        values = np.where(values >= (1 << (bits - 1)), values - (1 << bits), values)
    return values


def dicom_frames_rgb(path: Path | str) -> list[np.ndarray]:
    """Every frame of a DICOM file as HxWx3 uint8 (grey replicated), the input of `preprocess`."""
    import pydicom  # Debian python3-pydicom; imported here so training without DICOM needs nothing

    ds = pydicom.dcmread(str(path))
    pixels = ds.pixel_array
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    samples = int(getattr(ds, "SamplesPerPixel", 1))
    if frames == 1:
        pixels = pixels[None, ...]
    out = []
    for frame in pixels:
        if samples == 3:
            if str(ds.PhotometricInterpretation).upper().startswith("YBR") and "JPEG" not in str(
                ds.file_meta.TransferSyntaxUID.name
            ):
                from pydicom.pixel_data_handlers.util import convert_color_space

                frame = convert_color_space(frame, "YBR_FULL", "RGB")
            out.append(np.ascontiguousarray(frame.astype(np.uint8)))
        else:
            grey = window_to_grey(_stored(frame, ds), ds)
            out.append(np.repeat(grey[:, :, None], 3, axis=2))
    return out
