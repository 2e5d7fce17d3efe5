"""A tiny generated data set in the `<root>/<class>/*` layout, with the awkward cases of br35h."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def brain(rng: np.random.Generator, size: int, tumor: bool) -> np.ndarray:
    """A grey ellipse with texture; a tumor is a bright blob inside it. uint8 HxW."""
    h = w = size
    yy, xx = np.mgrid[0:h, 0:w] / size
    cy, cx = 0.5 + rng.uniform(-0.12, 0.12, 2)
    ry, rx = rng.uniform(0.2, 0.45, 2)
    inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
    # A random smooth field makes every synthetic slice distinct, as real slices are.
    coarse = rng.uniform(10, 240, (6, 6))
    field = np.asarray(Image.fromarray(coarse.astype(np.float32), mode="F").resize((w, h), Image.BICUBIC))
    img = np.where(inside, field + 25 * np.sin(xx * rng.uniform(20, 40)) * np.cos(yy * rng.uniform(20, 40)), 0)
    if tumor:
        ty, tx = cy + rng.uniform(-0.15, 0.15), cx + rng.uniform(-0.15, 0.15)
        r = rng.uniform(0.06, 0.12)
        img = np.where((yy - ty) ** 2 + (xx - tx) ** 2 < r * r, 240, img)
    img = img + rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def save(img: Image.Image, path: Path, fmt: str) -> None:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    path.write_bytes(buf.getvalue())


def make_dataset(root: Path, per_class: int = 16, seed: int = 0, corrupt: bool = True) -> dict:
    """Write root/no/*.jpg and root/yes/*.jpg. Returns the names of the special files."""
    rng = np.random.default_rng(seed)
    special = {}
    for label in ("no", "yes"):
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            size = int(rng.integers(96, 320))
            gray = brain(rng, size, tumor=label == "yes")
            kind = i % 8
            path = folder / f"{label}{i}.jpg"
            if kind == 1:  # PNG bytes named .jpg, grayscale
                save(Image.fromarray(gray, "L"), path, "PNG")
                special.setdefault("png_named_jpg", f"{label}/{path.name}")
            elif kind == 2:  # RGBA PNG
                rgba = np.dstack([gray, gray, gray, np.full_like(gray, 200)])
                save(Image.fromarray(rgba, "RGBA"), path, "PNG")
                special.setdefault("rgba", f"{label}/{path.name}")
            elif kind == 3:  # palette PNG
                save(Image.fromarray(gray, "L").convert("P"), path, "PNG")
                special.setdefault("palette", f"{label}/{path.name}")
            elif kind == 4:  # grayscale JPEG
                save(Image.fromarray(gray, "L"), path, "JPEG")
                special.setdefault("gray_jpeg", f"{label}/{path.name}")
            else:  # RGB JPEG with R=G=B, like most of br35h
                save(Image.fromarray(np.dstack([gray] * 3), "RGB"), path, "JPEG")
        # A near-duplicate: the first image re-encoded at another size and quality.
        first = Image.open(folder / f"{label}0.jpg").convert("RGB")
        copy = first.resize((first.width * 3 // 4, first.height * 3 // 4), Image.BILINEAR)
        buf = io.BytesIO()
        copy.save(buf, format="JPEG", quality=70)
        (folder / f"{label}0_copy.jpg").write_bytes(buf.getvalue())
        special[f"{label}_duplicate_pair"] = (f"{label}/{label}0.jpg", f"{label}/{label}0_copy.jpg")
    if corrupt:
        (root / "yes" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
        special["corrupt"] = "yes/broken.jpg"
    return special


# Tumor brightness per type in a typed source (`make_tumor_source(..., classes=TUMOR_TYPES)`), so
# that a tiny model can tell the types apart.
TYPE_INTENSITY = {"glioma": 110, "meningioma": 170, "pituitary": 240}


def make_tumor_source(root: Path, per_class: int = 8, seed: int = 1, size: int = 160,
                      classes: tuple[str, ...] = ("glioma", "pituitary")) -> list[dict]:
    """A second, tumor-only source like figshare: root/<class>/* (square grey PNG, darker than the
    first source; glioma and pituitary by default, or the three types with a brightness per type)
    and root/labels.csv with one box per image and a patient-wise cv_fold (two consecutive images
    per fold). Returns the label rows."""
    rng = np.random.default_rng(seed)
    rows = []
    typed = len(classes) == 3
    for cls in classes:
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            yy, xx = np.mgrid[0:size, 0:size] / size
            inside = ((yy - 0.5) / 0.4) ** 2 + ((xx - 0.5) / 0.35) ** 2 < 1
            img = np.where(inside, 50 + 20 * np.sin(xx * rng.uniform(15, 30)), 0)
            ty, tx, r = 0.5 + rng.uniform(-0.2, 0.2), 0.5 + rng.uniform(-0.2, 0.2), rng.uniform(0.06, 0.1)
            img = np.where((yy - ty) ** 2 + (xx - tx) ** 2 < r * r, TYPE_INTENSITY[cls] if typed else 160, img) + rng.normal(0, 4, img.shape)
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "L").save(root / cls / f"{i}.png")
            box = [round((tx - r) * size), round((ty - r) * size), round((tx + r) * size), round((ty + r) * size)]
            rows.append({"file": f"{cls}/{i}.png", "class": cls, "width": size, "height": size,
                         "x_min": box[0], "y_min": box[1], "x_max": box[2], "y_max": box[3],
                         "cv_fold": 1 + (len(rows) // 2 if typed else i // 2)})
    with open(root / "labels.csv", "w") as fh:
        fh.write("file,class,width,height,x_min,y_min,x_max,y_max,cv_fold\n")
        for r in rows:
            fh.write(",".join(str(r[k]) for k in ("file", "class", "width", "height", "x_min", "y_min", "x_max", "y_max", "cv_fold")) + "\n")
    return rows


if __name__ == "__main__":
    import shutil
    import sys

    shutil.rmtree(sys.argv[1], ignore_errors=True)
    print(make_dataset(Path(sys.argv[1]), per_class=int(sys.argv[2]) if len(sys.argv) > 2 else 16))
    if len(sys.argv) > 3:  # a second, tumor-only source with boxes and patient folds (--types: the three tumor types)
        shutil.rmtree(sys.argv[3], ignore_errors=True)
        classes = ("glioma", "meningioma", "pituitary") if "--types" in sys.argv[4:] else ("glioma", "pituitary")
        print(len(make_tumor_source(Path(sys.argv[3]), per_class=12 if len(classes) == 3 else 8, classes=classes)),
              "tumor-only images with boxes")
