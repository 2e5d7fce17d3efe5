import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from neuroledger_training.cache import load_images
from neuroledger_training.data import DataError, decode_rgb, normalize, preprocess, resize_to_input, scan_folder


def test_png_named_jpg_decodes_by_content(dataset):
    root, special = dataset
    path = root / special["png_named_jpg"]
    assert path.suffix == ".jpg" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rgb = decode_rgb(path)
    assert rgb.dtype == np.uint8 and rgb.shape[2] == 3


def test_grayscale_is_replicated_to_three_channels(dataset):
    root, special = dataset
    for key in ("png_named_jpg", "gray_jpeg"):
        path = root / special[key]
        gray = np.asarray(Image.open(path))
        rgb = decode_rgb(path)
        assert gray.ndim == 2
        for c in range(3):
            np.testing.assert_array_equal(rgb[:, :, c], gray)


def test_rgba_drops_alpha_without_compositing(dataset):
    root, special = dataset
    path = root / special["rgba"]
    rgba = np.asarray(Image.open(path))
    assert rgba.shape[2] == 4 and (rgba[:, :, 3] < 255).all()
    np.testing.assert_array_equal(decode_rgb(path), rgba[:, :, :3])


def test_palette_is_expanded(dataset):
    root, special = dataset
    img = Image.open(root / special["palette"])
    assert img.mode == "P"
    np.testing.assert_array_equal(decode_rgb(root / special["palette"]), np.asarray(img.convert("RGB")))


def test_corrupt_file_is_reported_and_counted(dataset):
    root, special = dataset
    listing = scan_folder(root)
    files = listing.files
    messages = []
    images = load_images(listing, None, messages.append)
    assert [r for r, _ in listing.unreadable] == [special["corrupt"]]
    assert any(special["corrupt"] in m for m in messages)
    assert listing.files == files and len(listing.samples) == files - 1 == images.shape[0]


def test_empty_class_is_an_error(tmp_path):
    (tmp_path / "no").mkdir()
    (tmp_path / "yes").mkdir()
    Image.new("L", (20, 20)).save(tmp_path / "no" / "a.png")
    with pytest.raises(DataError, match="'yes'.*no files"):
        scan_folder(tmp_path)


def test_class_with_only_unreadable_files_is_an_error(tmp_path):
    (tmp_path / "no").mkdir()
    (tmp_path / "yes").mkdir()
    Image.new("L", (20, 20)).save(tmp_path / "no" / "a.png")
    (tmp_path / "yes" / "bad.jpg").write_bytes(b"garbage")
    listing = scan_folder(tmp_path)
    with pytest.raises(DataError, match="without a readable image.*yes"):
        load_images(listing, None, lambda m: None)


def test_single_class_and_missing_folder_are_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        scan_folder(tmp_path / "nope")
    with pytest.raises(DataError, match="no class folders"):
        scan_folder(tmp_path)
    (tmp_path / "yes").mkdir()
    Image.new("L", (20, 20)).save(tmp_path / "yes" / "a.png")
    with pytest.raises(DataError, match="only one class"):
        scan_folder(tmp_path)


def test_resize_is_the_interpolate_reference_without_rounding():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (131, 517, 3), dtype=np.uint8)
    x = resize_to_input(rgb)
    ref = F.interpolate(torch.tensor(rgb).permute(2, 0, 1)[None].float(), (256, 256), mode="bilinear", align_corners=False)[0]
    assert x.shape == (3, 256, 256) and x.dtype == torch.float32
    assert torch.equal(x, ref)
    assert not torch.equal(x, x.round())  # no rounding after the resize


def test_normalisation_formula():
    rgb = np.full((10, 30, 3), (0, 128, 255), dtype=np.uint8)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 0.2]
    x = preprocess(rgb, mean, std)
    want = [(0 / 255 - 0.1) / 0.5, (128 / 255 - 0.2) / 0.25, (255 / 255 - 0.3) / 0.2]
    for c in range(3):
        assert torch.allclose(x[c], torch.full((256, 256), want[c]), atol=1e-6)
    assert torch.equal(normalize(resize_to_input(rgb), mean, std), x)


def test_cache_round_trip_and_fingerprint(dataset, tmp_path):
    root, _ = dataset
    first = scan_folder(root)
    a = np.array(load_images(first, tmp_path, lambda m: None))
    again = scan_folder(root)
    messages = []
    b = load_images(again, tmp_path, messages.append)
    assert any("cache hit" in m for m in messages)
    np.testing.assert_array_equal(a, b)
    assert [s.relpath for s in first.samples] == [s.relpath for s in again.samples]
    assert len(again.unreadable) == 1
    assert first.fingerprint() == again.fingerprint() and len(first.fingerprint()) == 64
