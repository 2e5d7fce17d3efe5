"""ONNX export (opset 17, explicit padding, dynamic batch) with checks, and the test vectors."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image

from .data import decode_rgb, preprocess
from .model import PaperCNN

OPSET = 17
VECTORS_SCHEMA = "neuroledger.test-vectors/1"


class ExportError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def export_onnx(model: PaperCNN, path: Path) -> dict:
    """Write model.onnx and check it; returns the card's `onnx` section."""
    model.eval()
    size = model.config.input_size
    dummy = torch.zeros(1, 3, size, size)
    tmp = Path(path).with_suffix(".onnx.tmp")
    torch.onnx.export(
        model,
        dummy,
        str(tmp),
        opset_version=OPSET,
        input_names=["image"],
        output_names=["logits", "features"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
        do_constant_folding=True,
    )
    check_onnx(tmp, model)
    tmp.replace(path)
    s = model.config.feature_size
    return {
        "file": Path(path).name,
        "sha256": sha256_file(path),
        "opset": OPSET,
        "inputs": [{"name": "image", "dtype": "float32", "shape": ["batch", 3, size, size]}],
        "outputs": [
            {"name": "logits", "dtype": "float32", "shape": ["batch", model.config.num_classes]},
            {"name": "features", "dtype": "float32", "shape": ["batch", model.config.channels[-1], s, s]},
        ],
    }


def _dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_onnx(path: Path, model: PaperCNN) -> None:
    """onnx checker, opset, names and shapes of inputs/outputs, no auto_pad anywhere."""
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    opsets = {o.domain: o.version for o in proto.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != OPSET:
        raise ExportError(f"expected opset {OPSET}, got {opsets}")
    for node in proto.graph.node:
        for attr in node.attribute:
            if attr.name == "auto_pad" and attr.s not in (b"", b"NOTSET"):
                raise ExportError(f"node {node.name} ({node.op_type}) uses auto_pad={attr.s.decode()}")
    size, s = model.config.input_size, model.config.feature_size
    want_in = {"image": ["batch", 3, size, size]}
    want_out = {"logits": ["batch", model.config.num_classes], "features": ["batch", model.config.channels[-1], s, s]}
    got_in = {i.name: _dims(i) for i in proto.graph.input}
    got_out = {o.name: _dims(o) for o in proto.graph.output}
    if got_in != want_in or got_out != want_out:
        raise ExportError(f"ONNX interface mismatch: inputs {got_in}, outputs {got_out}; want {want_in}, {want_out}")


def write_vectors(model: PaperCNN, image_paths: list[Path], out_dir: Path, mean, std) -> dict:
    """Preprocessed inputs (.f32) + expected outputs for the TypeScript parity tests."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    items = []
    model.eval()
    for i, src in enumerate(image_paths):
        rgb = decode_rgb(src)
        image_name = f"v{i}.png"
        # The decoded pixels, stored losslessly, so every decoder sees exactly these values.
        Image.fromarray(rgb, mode="RGB").save(out_dir / image_name)
        x = preprocess(rgb, mean, std).unsqueeze(0)  # [1, 3, 256, 256]
        input_name = f"v{i}.f32"
        x.numpy().astype("<f4").tofile(out_dir / input_name)
        with torch.no_grad():
            logits, features = model(x)
        items.append(
            {
                "image": image_name,
                "input": input_name,
                "logits": [float(v) for v in logits[0]],
                "probability": float(torch.softmax(logits, 1)[0, 1]),
                "featuresShape": list(features.shape),
                "featuresSum": float(features.double().sum()),
            }
        )
    doc = {"schema": VECTORS_SCHEMA, "model": "model.onnx", "items": items}
    (out_dir / "vectors.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc
