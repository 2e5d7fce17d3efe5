"""Preprocessing version 2 against docs/interfaces.md section 2, step by step."""

import numpy as np
import torch
import torch.nn.functional as F

from neuroledger_training.preprocess_v2 import (
    area_map,
    area_resize,
    head_box,
    preprocess_v2,
    square_canvas,
    standardize,
)


def grey_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey.astype(np.uint8)[:, :, None], 3, axis=2)


def test_foreground_rule_is_integer_and_strict():
    # M = 3 * 200 = 600; a pixel is foreground iff 10 * s > 600, i.e. s > 60 (s = 61 yes, s = 60 no).
    rgb = np.zeros((50, 50, 3), dtype=np.uint8)
    rgb[10, 10] = (200, 200, 200)
    rgb[20, 5] = (20, 20, 20)  # s = 60: exactly M / 10, not foreground
    rgb[30, 40] = (21, 20, 20)  # s = 61: foreground
    y0, y1, x0, x1 = head_box(rgb.astype(np.int32).sum(2))
    assert (y0, y1, x0, x1) == (10, 30, 10, 40)
    # A float rule (s / M > 0.1 in float32) could round 60/600 either way; the integer rule cannot.


def test_head_box_ignores_a_bright_text_speck():
    h, w = 300, 400
    grey = np.zeros((h, w), dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    grey[((yy - 160) / 100) ** 2 + ((xx - 210) / 120) ** 2 < 1] = 90  # the head
    grey[5:7, 370:372] = 255  # a 2x2 burnt-in annotation: rows need >= 4 on pixels, columns >= 3
    y0, y1, x0, x1 = head_box(grey_rgb(grey).astype(np.int32).sum(2))
    assert 55 <= y0 <= 65 and 255 <= y1 <= 265 and 85 <= x0 <= 95 and 325 <= x1 <= 335
    # The speck alone is still the maximum M, and the head (90 > 255 / 10) is foreground.


def test_black_image_is_the_whole_image():
    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    canvas, region, m = square_canvas(rgb)
    assert m == 0 and region.to_dict() == {"left": 0, "top": -10, "size": 60}
    assert canvas.shape == (60, 60) and not canvas.any()


def test_region_for_non_square_images():
    # Head 20 rows x 51 columns at rows 30..49, cols 10..60 of a 100x80 (H x W) image.
    grey = np.zeros((100, 80), dtype=np.uint8)
    grey[30:50, 10:61] = 120
    canvas, region, m = square_canvas(grey_rgb(grey))
    # size 51, oy = floor((51 - 20) / 2) = 15, ox = 0 -> left 10, top 15
    assert region.to_dict() == {"left": 10, "top": 15, "size": 51} and m == 360
    assert canvas.shape == (51, 51)
    assert (canvas[15:35] == 120).all() and not canvas[:15].any() and not canvas[35:].any()
    # Tall: 61 rows x 9 columns -> ox = 26, region left = 40 - 26 = 14, top = 20.
    grey = np.zeros((100, 80), dtype=np.uint8)
    grey[20:81, 40:49] = 200
    _, region, _ = square_canvas(grey_rgb(grey))
    assert region.to_dict() == {"left": 14, "top": 20, "size": 61}


def test_grey_is_mean_of_rgb_in_float32():
    rgb = np.zeros((10, 10, 3), dtype=np.uint8)
    rgb[:, :] = (10, 20, 31)
    canvas, _, _ = square_canvas(rgb)
    assert canvas.dtype == np.float32 and canvas[0, 0] == np.float32(61) / np.float32(3)


def test_area_resize_is_adaptive_avg_pool2d():
    rng = np.random.default_rng(0)
    for size, s in ((517, 128), (100, 128), (128, 128), (333, 96)):
        canvas = rng.uniform(0, 255, (size, size)).astype(np.float32)
        ref = F.adaptive_avg_pool2d(torch.from_numpy(canvas)[None, None], (s, s))[0, 0].numpy()
        out = area_resize(canvas, s)
        assert out.shape == (s, s) and out.dtype == np.float32
        np.testing.assert_array_equal(out, ref)
        # The spec's bin rule: rows floor(i * size / S) .. ceil((i + 1) * size / S) - 1
        i, j = 7, s - 1
        r0, r1 = (i * size) // s, -(-((i + 1) * size) // s)
        c0, c1 = (j * size) // s, -(-((j + 1) * size) // s)
        assert abs(out[i, j] - canvas[r0:r1, c0:c1].astype(np.float64).mean()) < 1e-3


def test_standardisation_over_the_head():
    v = torch.zeros(1, 8, 8)
    v[0, :4, :] = torch.arange(32, dtype=torch.float32).view(4, 8) + 100  # head pixels 100..131
    mask = v > 50
    x = standardize(v, mask, clip=5)
    head = v[0, :4].double()
    mu, sigma = head.mean(), head.std(unbiased=False)
    assert torch.allclose(x[0, :4].double(), (head - mu) / sigma, atol=1e-6)
    assert torch.allclose(x[0, 4:], torch.full((4, 8), -5.0))  # background far below: clipped
    assert x.dtype == torch.float32


def test_standardisation_uses_every_pixel_when_the_head_is_tiny():
    v = torch.arange(64, dtype=torch.float32).view(1, 8, 8)
    mask = torch.zeros(1, 8, 8, dtype=torch.bool)
    mask[0, 0, :15] = True  # 15 < 16 pixels
    x = standardize(v, mask, clip=100)
    all_ = v.double()
    assert torch.allclose(x.double(), (all_ - all_.mean()) / all_.std(unbiased=False), atol=1e-6)


def test_flat_image_does_not_divide_by_zero():
    rgb = np.full((30, 30, 3), 77, dtype=np.uint8)
    x, region = preprocess_v2(rgb, 16)
    assert torch.isfinite(x).all() and (x == 0).all() and region.size == 30


def test_head_threshold_uses_m_of_the_original_image():
    # M = 765 (a white pixel); threshold 25.5 grey. Pixels of 25 are background, 26 head.
    grey = np.zeros((64, 64), dtype=np.uint8)
    grey[0:32, :] = 25
    grey[32:64, :] = 26
    grey[0, 0] = 255
    am = area_map(grey_rgb(grey), 64)
    assert am.max_sum == 765
    x, _ = preprocess_v2(grey_rgb(grey), 64)
    head = am.grey[am.grey > 765 / 30]
    mu, sigma = head.astype(np.float64).mean(), head.astype(np.float64).std()
    assert abs(float(x[0, 40, 5]) - (26 - mu) / sigma) < 1e-5


def test_output_layout_and_invariance_to_size_and_brightness():
    # What v2 is for: the same head drawn at another size, framing and brightness gives nearly the same input.
    yy, xx = np.mgrid[0:200, 0:200]
    head = (((yy - 100) / 80) ** 2 + ((xx - 100) / 70) ** 2 < 1) * (60 + 0.3 * xx)
    big = np.zeros((300, 260), dtype=np.float64)
    big[40:240, 20:220] = head * 1.6
    small = np.asarray(torch.nn.functional.interpolate(torch.tensor(head)[None, None], (140, 140), mode="area")[0, 0])
    a, _ = preprocess_v2(grey_rgb(np.clip(big, 0, 255)), 64)
    b, _ = preprocess_v2(grey_rgb(small), 64)
    assert a.shape == (3, 64, 64) and torch.equal(a[0], a[2])
    assert (a - b).abs().mean() < 0.1
