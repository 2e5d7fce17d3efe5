"""Render class-activation heatmaps of a card v2 model over images, with the peak marked and
tumor boxes drawn (from <data>/labels.csv or <data>-boxes.csv when present), into one PNG grid.

Usage: /usr/bin/python3 scripts/heatmaps.py <model dir> <out.png> <data dir> <relpath> [<relpath> ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuroledger_training.data import decode_rgb  # noqa: E402
from neuroledger_training.heatmap import class_heatmap, peak, upsample  # noqa: E402
from neuroledger_training.inputs import PreprocSpec  # noqa: E402
from neuroledger_training.model import load_checkpoint  # noqa: E402
from neuroledger_training.sources import _read_annotations  # noqa: E402

TILE = 256


def overlay(model, spec: PreprocSpec, path: Path, boxes, labels: list[str]) -> Image.Image:
    rgb = decode_rgb(path)
    x, region = spec.from_rgb(rgb)
    with torch.no_grad():
        logits, features = model(x[None])
        cam = model.cam(features)[0]
    probs = torch.softmax(logits, 1)[0]
    k = 1 if len(probs) == 2 else int(probs.argmax())  # binary: the 'yes' map; K classes: the predicted class's
    prob = float(probs[k])
    heat = upsample(class_heatmap(cam, k), spec.size).numpy()
    # Paint the heat (red) over the region's square in image pixels.
    h, w = rgb.shape[:2]
    img = Image.fromarray(rgb).convert("RGB")
    big = Image.fromarray((heat * 255).astype(np.uint8)).resize((region.size, region.size), Image.BILINEAR)
    layer = Image.new("L", (w, h))
    layer.paste(big, (region.left, region.top))
    red = Image.new("RGB", (w, h), (255, 0, 0))
    img = Image.composite(red, img, Image.fromarray((np.asarray(layer) * 0.5).astype(np.uint8)))
    draw = ImageDraw.Draw(img)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0, y0, x1, y1], outline=(0, 255, 0), width=max(1, w // 150))
    px, py = peak(cam, k, region, spec.size, w, h)
    r = max(3, w // 60)
    draw.ellipse([px - r, py - r, px + r, py + r], outline=(255, 255, 0), width=max(1, w // 150))
    draw.text((4, 4), f"p={prob:.2f}" if len(probs) == 2 else f"{labels[k]} p={prob:.2f}", fill=(255, 255, 0))
    img.thumbnail((TILE, TILE))
    tile = Image.new("RGB", (TILE, TILE))
    tile.paste(img, (0, 0))
    return tile


def main(argv: list[str]) -> None:
    model_dir, out, data = Path(argv[0]), Path(argv[1]), Path(argv[2])
    model, ckpt = load_checkpoint(model_dir / "model.pt")
    spec = PreprocSpec.from_checkpoint(ckpt)
    boxes, _, _ = _read_annotations(data)
    tiles = [overlay(model, spec, data / rel, boxes.get(rel, []), ckpt["labels"]) for rel in argv[3:]]
    cols = min(6, len(tiles))
    rows = (len(tiles) + cols - 1) // cols
    grid = Image.new("RGB", (cols * TILE, rows * TILE))
    for i, t in enumerate(tiles):
        grid.paste(t, ((i % cols) * TILE, (i // cols) * TILE))
    grid.save(out)
    print(f"wrote {out} ({len(tiles)} images)")


if __name__ == "__main__":
    main(sys.argv[1:])
