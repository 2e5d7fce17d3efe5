"""Heatmap, peak, localisation measures, OOD score, balanced sampling, v2 augmentation."""

import numpy as np
import pytest
import torch

from neuroledger_training.augment import AugmentV2Config, augment_v2
from neuroledger_training.heatmap import class_heatmap, localization, peak, upsample
from neuroledger_training.ood import MIN_MEMBERS, cosine_distances, mahalanobis_stats, ood_section, prototypes, scores
from neuroledger_training.preprocess_v2 import Region
from neuroledger_training.train import balanced_weights


def test_class_heatmap_is_relu_of_the_difference_to_the_class_mean():
    cam = torch.tensor([[[1.0, 2.0], [3.0, 0.0]], [[2.0, 1.0], [5.0, 0.0]]])  # K=2, 2x2
    h = class_heatmap(cam, 1)
    # cam[1] - mean = [[0.5, -0.5], [1, 0]] -> relu -> / 1
    assert torch.allclose(h, torch.tensor([[0.5, 0.0], [1.0, 0.0]]))
    assert torch.equal(class_heatmap(torch.zeros(2, 3, 3), 1), torch.zeros(3, 3))


def test_peak_maps_the_first_maximum_into_the_region():
    cam = torch.zeros(2, 4, 4)
    cam[1, 1, 2] = 1.0  # row 1, column 2 of the 4x4 grid
    s = 8
    up = upsample(class_heatmap(cam, 1), s).numpy()
    j, i = divmod(int(np.argmax(up)), s)
    region = Region(left=-10, top=20, size=40)
    x, y = peak(cam, 1, region, s, width=30, height=100)
    assert x == min(29, int(np.floor(-10 + (i + 0.5) * 40 / s))) and y == int(np.floor(20 + (j + 0.5) * 40 / s))
    # Clamped into the image when the region reaches past it.
    cam2 = torch.zeros(2, 4, 4)
    cam2[1, 0, 0] = 1.0
    assert peak(cam2, 1, Region(left=-50, top=-50, size=40), s, 10, 10) == (0, 0)
    # Ties: the first in row-major order.
    flat = torch.zeros(2, 4, 4)
    flat[1] = 1.0
    flat[0] = 0.0
    assert peak(flat, 1, Region(0, 0, 8), 8, 8, 8) == (0, 0)


def test_localization_hit_and_heat_fraction():
    cam = torch.zeros(2, 8, 8)
    cam[1, 2:4, 5:7] = 4.0  # heat in rows 2-3, columns 5-6 of an 8x8 grid over a 64 px region
    region = Region(0, 0, 64)
    hit, frac = localization(cam, 1, region, 64, 64, 64, [(36, 12, 60, 36)])
    assert hit and frac > 0.6
    miss, frac2 = localization(cam, 1, region, 64, 64, 64, [(0, 40, 20, 60)])
    assert not miss and frac2 < 0.05
    # Two boxes count as their union.
    _, both = localization(cam, 1, region, 64, 64, 64, [(36, 12, 60, 36), (0, 40, 20, 60)])
    assert abs(both - (frac + frac2)) < 1e-9


def test_diagonal_ood_score_of_older_cards_is_mean_squared_z():
    rng = np.random.default_rng(0)
    g = rng.normal(3.0, 2.0, (500, 4))
    g[:, 3] = 1.0  # a constant channel: variance floored, not zero
    stats = dict(mahalanobis_stats(g), method="gap-diagonal-mahalanobis")
    mean, var = stats["mean"], stats["var"]
    assert var[3] > 0
    x = np.array([[3.0 + 2.0, 3.0, 3.0, 1.0]])
    want = ((x[0, 0] - mean[0]) ** 2 / var[0] + sum((x[0, c] - mean[c]) ** 2 / var[c] for c in (1, 2))) / 4
    assert abs(scores(x, stats)[0] - want) < 1e-12


def test_ood_score_is_full_covariance_mahalanobis():
    rng = np.random.default_rng(1)
    # Two strongly correlated channels and a constant one: the diagonal score cannot see an image
    # that breaks the correlation, the full covariance does.
    a = rng.normal(0.0, 1.0, 2000)
    g = np.stack([a, a + rng.normal(0.0, 0.05, 2000), np.full(2000, 2.0)], axis=1)
    stats = mahalanobis_stats(g)
    cov = np.cov(g, rowvar=False, bias=True)
    ridge = 1e-3 * np.trace(cov) / 3
    x = np.array([[1.0, -1.0, 2.0]])
    d = x[0] - g.mean(axis=0)
    want = d @ np.linalg.inv(cov + ridge * np.eye(3)) @ d / 3
    assert abs(scores(x, stats)[0] - want) < 1e-9 * want
    diagonal = scores(x, dict(stats, method="gap-diagonal-mahalanobis"))[0]
    threshold = float(np.percentile(scores(g[:200], stats), 95))
    assert diagonal < threshold < scores(x, stats)[0]  # flagged only by the full covariance
    with pytest.raises(ValueError, match="unknown OOD method"):
        scores(x, dict(stats, method="knn"))


def _directions(rng, centres, n, spread=0.05):
    """n non-negative feature vectors around each centre (rows), at random lengths 0.5-5."""
    rows = [np.abs(c + rng.normal(0.0, spread, (n, len(c)))) for c in np.asarray(centres, dtype=float)]
    g = np.concatenate(rows)
    return g * rng.uniform(0.5, 5.0, (len(g), 1))


def test_cosine_distance_is_one_minus_the_best_cosine_and_ignores_length():
    rng = np.random.default_rng(2)
    p = prototypes(_directions(rng, [[1, 0, 0, 0], [0, 1, 1, 0]], 300))
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0)
    x = np.array([[3.0, 0.2, 0.1, 0.0], [0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
    want = 1.0 - ((x[:2] / np.linalg.norm(x[:2], axis=1, keepdims=True)) @ p.T).max(axis=1)
    got = cosine_distances(x, p)
    assert np.allclose(got[:2], want, atol=1e-12)
    assert got[0] < 0.05 and got[1] > 0.8  # near a training direction; far from every one
    assert got[2] == 1.0  # all-zero features: nothing of the training data
    assert np.isnan(cosine_distances(np.array([[np.nan, 1.0, 0.0, 0.0]]), p)[0])  # flagged by readers, as in the sdk
    assert np.allclose(cosine_distances(10.0 * x[:2], p), got[:2])  # the length of g does not count


def test_every_prototype_averages_at_least_min_members_images():
    rng = np.random.default_rng(3)
    # A big group and a stray group of 4 images: the stray group may not become a prototype of its own.
    g = np.concatenate([_directions(rng, [[1, 0, 0], [0, 1, 0]], 200), _directions(rng, [[0, 0, 1]], 4)])
    p = prototypes(g, clusters=16, min_members=10)
    counts = np.bincount(np.argmax((g / np.linalg.norm(g, axis=1, keepdims=True)) @ p.T, axis=1), minlength=len(p))
    assert counts.min() >= 10 and 2 <= len(p) <= 16
    assert not any(np.allclose(row, [0, 0, 1], atol=0.1) for row in p)
    assert np.array_equal(p, prototypes(g, clusters=16, min_members=10))  # seeded: the same card twice
    # Features zero on all but a few images (an untrained network): one prototype written from no
    # image (the all-ones direction), never the mean of fewer than min_members scans.
    few = np.vstack([g[:3], np.zeros((20, 3)), np.full((5, 3), np.nan)])
    assert np.allclose(prototypes(few, min_members=10), [np.ones(3) / np.sqrt(3)])
    assert np.allclose(prototypes(np.zeros((20, 3))), [np.ones(3) / np.sqrt(3)])


def test_card_score_joins_the_cosine_and_the_mahalanobis_detector():
    rng = np.random.default_rng(4)
    centres = [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    g, g_val = _directions(rng, centres, 200), _directions(rng, centres, 60)
    sec = ood_section(g, g_val, 0.9, percentile=95)
    assert sec["method"] == "gap-cosine-or-mahalanobis" and sec["heldOutAuroc"] == 0.9
    assert sec["minMembers"] == MIN_MEMBERS and np.array(sec["prototypes"]).shape[1] == 4
    assert np.array(sec["precision"]).shape == (4, 4)
    maha = mahalanobis_stats(g)
    assert np.allclose(sec["precision"], maha["precision"]) and np.allclose(sec["mean"], maha["mean"])
    cosine = cosine_distances(g_val, np.array(sec["prototypes"]))
    assert sec["cosineScale"] == float(np.percentile(cosine, 95))
    assert sec["mahalanobisScale"] == float(np.percentile(scores(g_val, maha), 95))
    assert sec["threshold"] == float(np.percentile(scores(g_val, sec), 95))
    # The score, written out: the cosine part scaled; the Mahalanobis part scaled, counted once above 1.
    x = np.vstack([g_val[:5], 40.0 * g_val[:1], _directions(rng, [[0, 0, 0, 1]], 1)])
    c = cosine_distances(x, np.array(sec["prototypes"])) / sec["cosineScale"]
    q = scores(x, maha) / sec["mahalanobisScale"]
    assert np.allclose(scores(x, sec), np.maximum(c, np.where(q > 1, q, 0)), rtol=1e-12)
    # A direction training never showed: the cosine part flags it. A training direction 40x as long
    # (a checkerboard's features point like an MRI's but are far longer): only the Mahalanobis part can.
    assert c[6] > sec["threshold"] and scores(x[6:], sec)[0] > sec["threshold"]
    assert c[5] < sec["threshold"] < q[5] == scores(x[5:6], sec)[0]


def test_ood_on_a_held_out_source_reports_auroc_and_flag_rates_beside_each_part():
    from neuroledger_training.metrics import roc_auc
    from neuroledger_training.pipeline import ood_on
    rng = np.random.default_rng(5)
    centres = [[1, 0, 0, 0], [0, 1, 1, 0]]
    train, val, test = (_directions(rng, centres, n) for n in (300, 100, 100))
    held = _directions(rng, [[0.6, 0, 0, 1]], 80)  # another direction: a new site
    out = ood_on(train, val, held, test)
    assert out["method"] == "gap-cosine-or-mahalanobis" and out["prototypes"] >= 2
    alt = out["alternatives"]
    assert out["auroc"] > 0.95 and alt["cosineToPrototypes"]["auroc"] > 0.95 and alt["deepKnnEveryTrainingImage"]["auroc"] > 0.95
    assert out["flaggedHeldOut"] > 0.9 and out["flaggedInSourceTest"] < 0.1
    assert alt["cosineToPrototypes"]["flaggedHeldOut"] > 0.9 and "flaggedHeldOut" not in alt["deepKnnEveryTrainingImage"]
    # Held out and in-source swapped: the score ranks them the other way round.
    assert ood_on(train, val, test, held)["auroc"] < 0.05
    maha = mahalanobis_stats(train)
    want = roc_auc(np.r_[np.ones(len(held)), np.zeros(len(test))], np.r_[scores(held, maha), scores(test, maha)])
    assert alt["gapMahalanobis"]["auroc"] == want


def test_operating_point_is_chosen_on_validation_negatives_only():
    from neuroledger_training.pipeline import operating_point
    p_val = np.arange(1, 11) / 10  # ten validation no-tumor images: 0.1 ... 1.0
    held, test = np.array([0.5, 0.95, 0.99]), np.array([0.05, 0.3, 0.92, 0.95])
    op = operating_point(p_val, held, test, specificity=0.9)
    # 9 of 10 validation negatives (>= 90 %) must score below: the cut-off sits just above 0.9.
    assert 0.9 < op["cutoff"] < 0.9 + 1e-12 and op["validationSpecificity"] == 0.9
    assert op["heldOutSensitivity"] == 2 / 3 and op["inSourceTestSpecificity"] == 0.5
    # Moving a held-out or test score never moves the cut-off: only validation negatives choose it.
    assert operating_point(p_val, held * 0, test * 0, specificity=0.9)["cutoff"] == op["cutoff"]
    assert operating_point(p_val, held, test)["validationSpecificity"] >= 0.95
    empty = operating_point(np.array([]), held, test)
    assert empty["cutoff"] is None and empty["heldOutSensitivity"] is None


def test_balanced_weights_split_labels_then_sources():
    labels = np.array([0] * 10 + [1] * 30 + [1] * 60)
    sources = np.array([0] * 10 + [0] * 30 + [1] * 60)
    idx = np.arange(100)
    w = balanced_weights(labels, sources, idx)
    assert abs(w[labels == 0].sum() - 0.5) < 1e-12
    assert abs(w[(labels == 1) & (sources == 0)].sum() - 0.25) < 1e-12
    assert abs(w[(labels == 1) & (sources == 1)].sum() - 0.25) < 1e-12


def test_augment_v2_moves_mask_with_the_image_and_is_seeded():
    v = torch.zeros(4, 32, 32)
    v[:, 8:24, 4:12] = 100.0  # a bright block on the left
    mask = v > 50
    cfg = AugmentV2Config(hflip=1.0, rotation_degrees=0, scale=0, shift=0, gamma=0, bias_field=0, saturate=0, blur=0, noise=0)
    out, m = augment_v2(v, mask, cfg, torch.Generator().manual_seed(0))
    assert out.shape == v.shape and m.dtype == torch.bool
    assert torch.equal(m, torch.flip(mask, dims=[2]))  # flipped left-right, together
    assert torch.allclose(out, torch.flip(v, dims=[2]), atol=1e-3)
    full = AugmentV2Config()
    a, _ = augment_v2(v, mask, full, torch.Generator().manual_seed(3))
    b, _ = augment_v2(v, mask, full, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and torch.isfinite(a).all()
