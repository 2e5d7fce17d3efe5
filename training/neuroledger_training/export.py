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

from .data import decode_rgb
from .heatmap import peak
from .inputs import PreprocSpec
from .model import WithCam
from .ood import scores

OPSET = 17
VECTORS_SCHEMA = "neuroledger.test-vectors/1"


class ExportError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def output_shapes(config) -> dict[str, list]:
    """Output name -> shape, in the interface's order (cam only for card v2 models)."""
    s, k, c = config.feature_size, config.num_classes, config.channels[-1]
    out = {"logits": ["batch", k], "features": ["batch", c, s, s]}
    if config.cam:
        out["cam"] = ["batch", k, s, s]
    return out


def export_onnx(model, path: Path) -> dict:
    """Write model.onnx and check it; returns the card's `onnx` section."""
    model.eval()
    size = model.config.input_size
    dummy = torch.zeros(1, 3, size, size)
    tmp = Path(path).with_suffix(".onnx.tmp")
    outputs = output_shapes(model.config)
    torch.onnx.export(
        WithCam(model) if model.config.cam else model,
        dummy,
        str(tmp),
        opset_version=OPSET,
        input_names=["image"],
        output_names=list(outputs),
        dynamic_axes={"image": {0: "batch"}, **{name: {0: "batch"} for name in outputs}},
        do_constant_folding=True,
    )
    check_onnx(tmp, model)
    tmp.replace(path)
    return {
        "file": Path(path).name,
        "sha256": sha256_file(path),
        "opset": OPSET,
        "inputs": [{"name": "image", "dtype": "float32", "shape": ["batch", 3, size, size]}],
        "outputs": [{"name": name, "dtype": "float32", "shape": shape} for name, shape in outputs.items()],
    }


def _dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_onnx(path: Path, model) -> None:
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
    size = model.config.input_size
    want_in = {"image": ["batch", 3, size, size]}
    want_out = output_shapes(model.config)
    got_in = {i.name: _dims(i) for i in proto.graph.input}
    got_out = {o.name: _dims(o) for o in proto.graph.output}
    if got_in != want_in or got_out != want_out or [o.name for o in proto.graph.output] != list(want_out):
        raise ExportError(f"ONNX interface mismatch: inputs {got_in}, outputs {got_out}; want {want_in}, {want_out}")


def write_vectors(model, image_paths: list[Path], out_dir: Path, spec: PreprocSpec, ood: dict | None = None,
                  extra_images: list[np.ndarray] = (), labels: list[str] | None = None) -> dict:
    """Preprocessed inputs (.f32) + expected outputs for the TypeScript parity tests.

    `image_paths` are decoded and stored as PNG; `extra_images` (decoded RGB arrays) are stored
    the same way after them. Card v2 models add region, camSum, peak and oodScore per item. Two
    classes: `probability` = softmax[1] and the peak of class 1's heatmap (as before); K > 2
    classes (then `labels` names them, else they are numbered): `probabilities` (softmax, label
    order), `predicted` (the label of the largest) and the peak of the predicted class's heatmap.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    items = []
    model.eval()
    images = [decode_rgb(src) for src in image_paths] + list(extra_images)
    for i, rgb in enumerate(images):
        image_name = f"v{i}.png"
        # The decoded pixels, stored losslessly, so every decoder sees exactly these values.
        Image.fromarray(rgb, mode="RGB").save(out_dir / image_name)
        x, region = spec.from_rgb(rgb)
        x = x.unsqueeze(0)  # [1, 3, S, S]
        input_name = f"v{i}.f32"
        x.numpy().astype("<f4").tofile(out_dir / input_name)
        with torch.no_grad():
            logits, features = model(x)
        probs = torch.softmax(logits, 1)[0]
        k = len(probs)
        shown = 1 if k == 2 else int(probs.argmax())  # the class whose heatmap and peak are recorded
        item = {
            "image": image_name,
            "input": input_name,
            "logits": [float(v) for v in logits[0]],
            **({"probability": float(probs[1])} if k == 2 else
               {"probabilities": [float(v) for v in probs], "predicted": (labels or [str(i) for i in range(k)])[shown]}),
            "featuresShape": list(features.shape),
            "featuresSum": float(features.double().sum()),
        }
        if spec.version == 2:
            with torch.no_grad():
                cam = model.cam(features)[0]
            item["region"] = region.to_dict()
            item["camSum"] = [float(v) for v in cam.double().sum(dim=(1, 2))]
            item["peak"] = list(peak(cam, shown, region, spec.size, rgb.shape[1], rgb.shape[0]))
            if ood is not None:
                g = features.double().mean(dim=(2, 3)).numpy()
                item["oodScore"] = float(scores(g, ood)[0])
        items.append(item)
    doc = {"schema": VECTORS_SCHEMA, "model": "model.onnx", "items": items}
    (out_dir / "vectors.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def odd_framing(rgb: np.ndarray, seed: int = 0) -> np.ndarray:
    """A parity case for the head crop: the image on a wider black canvas, off-centre, with a
    bright 2x2 'text' speck in a corner (too small to count as head) and a faint dark-grey strip."""
    h, w = rgb.shape[:2]
    canvas = np.zeros((h + 37, w + w // 2 + 11, 3), dtype=np.uint8)
    canvas[29 : 29 + h, 7 : 7 + w] = rgb
    canvas[2:4, -6:-4] = 255
    canvas[-3:, :] = 9
    return canvas
