"""Out-of-distribution score (docs/interfaces.md section 1, card `ood`): how unlike the training
images an image's globally pooled features g [C] (mean of the last block's map) are.

`gap-cosine-or-mahalanobis` (written now) joins two detectors, each scaled by the 99th percentile
of its in-source validation scores:
- the cosine distance to the nearest prototype, 1 - max_m cos(g, p_m), where the prototypes are
  the mean directions of spherical k-means clusters of the training features, each made of at
  least `minMembers` training images (deep nearest-neighbour OOD, Sun et al., ICML 2022, with
  cluster means in place of single images, so the card carries no single scan's features). It sees
  a new site: on the leave-one-source-out model it separates held-out figshare from the in-source
  test with AUROC 0.78, where the Mahalanobis score gave 0.53 (the held-out features are weaker,
  median length 2.3 against 3.4, which a distance from the mean reads as typical);
- the Mahalanobis distance with the full covariance (Lee et al., NeurIPS 2018), counted only once it
  passes its own scale. It sees what the cosine cannot: a checkerboard's features point like an
  MRI's but are 5x as long (cosine 0.005 against a threshold of 0.012; Mahalanobis far above).
score = max(cosine / cosineScale, Mahalanobis / mahalanobisScale if that is > 1 else 0).

`gap-mahalanobis` (cards of 2026-11-30 morning) is the Mahalanobis part alone, unscaled;
`gap-diagonal-mahalanobis` (the first cards) its diagonal only. Both are still scored for those cards."""

from __future__ import annotations

import math

import numpy as np

METHOD = "gap-cosine-or-mahalanobis"
MAHALANOBIS = "gap-mahalanobis"
DIAGONAL = "gap-diagonal-mahalanobis"
PERCENTILE = 99.0
VAR_FLOOR = 1e-6  # a channel that never varies on the training images would divide by zero
# Ridge added to the covariance, as a share of its mean variance: keeps its condition number near
# 1e5, so float32 features from PyTorch, onnxruntime-node and the browser give scores that agree
# to 1e-3 (a ridge of 1e-6 scores almost alike but amplifies rounding 10x more).
RIDGE = 1e-3
# Prototypes: k-means starts with CLUSTERS clusters; a cluster of fewer than MIN_MEMBERS training
# images is dissolved (its images join their nearest remaining prototype), so each prototype is an
# average over at least MIN_MEMBERS scans. Fixed by the design above, not tuned on a held-out source.
CLUSTERS = 64
MIN_MEMBERS = 10
# Site check (docs/interfaces.md section 1): a set of images against the card's validation scores.
SITE_TEST = "mann-whitney-u"
SITE_ALPHA = 1e-3  # one false "unlike the training data" in 1000 sets of in-source images
SITE_MIN_IMAGES = 10  # below this the normal approximation is rough and the test has little power
# Fewer validation scores: the normal approximation misleads both ways (with V <= 3 no set can reach
# p < 0.001; with V = 1 twenty tied scores reach p = 1e-5 where the exact p is 1/21), so cards
# carry none below this and readers refuse a card that does.
SITE_MIN_VALIDATION = 100
MAX_VALIDATION_SCORES = 100_000  # the schema's cap: every reader ranks a set against all of them


def pooled(features: np.ndarray) -> np.ndarray:
    """features [B, C, h, w] -> g [B, C] (float64): mean over the feature map."""
    return np.asarray(features, dtype=np.float64).mean(axis=(2, 3))


def unit_rows(g: np.ndarray) -> np.ndarray:
    """Each row of g [B, C] divided by its Euclidean length; an all-zero row stays zero, a row with
    a non-finite value becomes NaN (so its score is NaN, which readers flag, as the sdk does)."""
    g = np.asarray(g, dtype=np.float64)
    norm = np.linalg.norm(g, axis=1, keepdims=True)
    out = np.divide(g, norm, out=np.zeros_like(g), where=(norm > 0) & np.isfinite(norm))
    out[~np.isfinite(norm[:, 0])] = np.nan
    return out


def prototypes(g_train: np.ndarray, clusters: int = CLUSTERS, min_members: int = MIN_MEMBERS, seed: int = 0) -> np.ndarray:
    """Spherical k-means of the training features g [N, C]: [M, C] unit vectors, M <= clusters,
    each the normalised mean direction of >= min_members training images (k-means++ start, seeded).
    A network whose features are zero (or not finite) on all but fewer than min_members images
    (untrained, or dead units) gets one prototype, the all-ones direction: it is written from no
    image, so the card stays free of any one scan's features and scores stay defined."""
    u = unit_rows(g_train)
    u = u[np.linalg.norm(u, axis=1) > 0]  # NaN rows fail the test too
    if len(u) < min_members:
        return unit_rows(np.ones((1, np.shape(g_train)[1])))
    rng = np.random.default_rng(seed)
    centres = [u[rng.integers(len(u))]]
    for _ in range(min(clusters, len(u)) - 1):
        far = np.clip(1.0 - (u @ np.array(centres).T).max(axis=1), 0.0, None) ** 2
        if far.sum() <= 0:
            break  # every image already coincides with a centre
        centres.append(u[rng.choice(len(u), p=far / far.sum())])
    c = np.array(centres)
    while True:
        for _ in range(100):
            assign = np.argmax(u @ c.T, axis=1)
            moved = unit_rows(np.stack([u[assign == j].sum(axis=0) for j in range(len(c))]))
            moved[np.linalg.norm(moved, axis=1) == 0] = c[np.linalg.norm(moved, axis=1) == 0]
            settled = np.allclose(moved, c, rtol=0.0, atol=1e-12)
            c = moved
            if settled:
                break
        counts = np.bincount(np.argmax(u @ c.T, axis=1), minlength=len(c))
        if counts.min() >= min_members:
            return c
        c = np.delete(c, int(np.argmin(counts)), axis=0)


def mahalanobis_stats(g_train: np.ndarray) -> dict:
    """`gap-mahalanobis` statistics of g [N, C]: `mean` [C], population `var` [C] (floored) and
    `precision` [C, C] = inverse of (covariance + RIDGE * mean variance * I)."""
    g_train = np.asarray(g_train, dtype=np.float64)
    mean = g_train.mean(axis=0)
    cov = np.atleast_2d(np.cov(g_train, rowvar=False, bias=True))
    ridge = RIDGE * max(float(np.trace(cov)) / len(cov), VAR_FLOOR)
    precision = np.linalg.inv(cov + ridge * np.eye(len(cov)))
    return {"method": MAHALANOBIS, "mean": mean, "var": np.maximum(g_train.var(axis=0), VAR_FLOOR),
            "precision": (precision + precision.T) / 2}


def cosine_distances(g: np.ndarray, prototypes_: np.ndarray) -> np.ndarray:
    """g [B, C] -> [B]: 1 - max_m cos(g, prototypes_[m]), in [0, 2]; 1 for an all-zero row."""
    return 1.0 - (unit_rows(g) @ unit_rows(np.asarray(prototypes_)).T).max(axis=1)


def _mahalanobis(g: np.ndarray, stats: dict) -> np.ndarray:
    d = np.asarray(g, dtype=np.float64) - np.asarray(stats["mean"], dtype=np.float64)
    return np.einsum("bi,ij,bj->b", d, np.asarray(stats["precision"], dtype=np.float64), d) / d.shape[1]


def fit_stats(g_train: np.ndarray, g_val: np.ndarray, percentile: float = PERCENTILE) -> dict:
    """The card's statistics from the training images' pooled features g_train [N, C], scaled on
    the validation images' g_val [V, C]: `mean`, `var`, `precision` (mahalanobis_stats),
    `prototypes` [M, C], `minMembers`, and `cosineScale` / `mahalanobisScale`, the `percentile`-th
    percentile of each part's validation scores."""
    stats = {**mahalanobis_stats(g_train), "method": METHOD, "prototypes": prototypes(g_train), "minMembers": MIN_MEMBERS}
    stats["cosineScale"] = max(float(np.percentile(cosine_distances(g_val, stats["prototypes"]), percentile)), VAR_FLOOR)
    stats["mahalanobisScale"] = max(float(np.percentile(_mahalanobis(g_val, stats), percentile)), VAR_FLOOR)
    return stats


def scores(g: np.ndarray, stats: dict) -> np.ndarray:
    """Score of each row of g [B, C] against `stats` (fit_stats' result or a card's `ood`):
    `gap-cosine-or-mahalanobis`: max(cosine / cosineScale, q / mahalanobisScale where that is > 1,
    else 0), cosine = 1 - max_m cos(g, prototypes[m]), q = (1 / C) (g - mean)^T precision (g - mean);
    `gap-mahalanobis`: q; `gap-diagonal-mahalanobis`: (1 / C) sum_c (g[c] - mean[c])^2 / var[c].
    Raises ValueError on an unknown method."""
    method = stats["method"]
    if method == METHOD:
        q = _mahalanobis(g, stats) / stats["mahalanobisScale"]
        return np.maximum(cosine_distances(g, stats["prototypes"]) / stats["cosineScale"], np.where(q > 1.0, q, 0.0))
    if method == MAHALANOBIS:
        return _mahalanobis(g, stats)
    if method == DIAGONAL:
        d = np.asarray(g, dtype=np.float64) - np.asarray(stats["mean"], dtype=np.float64)
        return ((d ** 2) / np.asarray(stats["var"], dtype=np.float64)).mean(axis=1)
    raise ValueError(f"unknown OOD method {method!r} (known: {METHOD}, {MAHALANOBIS}, {DIAGONAL})")


def ood_section(g_train: np.ndarray, g_val: np.ndarray, held_out_auroc: float | None, percentile: float = PERCENTILE) -> dict:
    """The card's `ood`: statistics from training images, scales and threshold = the `percentile`-th
    percentile of the validation images' scores, and those scores (`validationScores`, for the
    site check; only from SITE_MIN_VALIDATION images on)."""
    stats = fit_stats(g_train, g_val, percentile)
    s_val = scores(g_val, stats)
    threshold = float(np.percentile(s_val, percentile))
    return {
        "method": METHOD,
        "mean": [float(v) for v in stats["mean"]],
        "var": [float(v) for v in stats["var"]],
        "precision": [[float(v) for v in row] for row in stats["precision"]],
        "prototypes": [[float(v) for v in row] for row in stats["prototypes"]],
        "minMembers": stats["minMembers"],
        "cosineScale": stats["cosineScale"],
        "mahalanobisScale": stats["mahalanobisScale"],
        "threshold": threshold,
        "percentile": percentile,
        "heldOutAuroc": held_out_auroc,
        **({"validationScores": kept} if len(kept := validation_scores(s_val)) >= SITE_MIN_VALIDATION else {}),
    }


def validation_scores(s: np.ndarray) -> list[float]:
    """The card's `validationScores`: the finite scores, ascending, at most MAX_VALIDATION_SCORES
    (evenly spaced order statistics beyond that, which keeps the distribution's shape)."""
    s = np.sort(np.asarray(s, dtype=np.float64)[np.isfinite(s)])
    if len(s) > MAX_VALIDATION_SCORES:
        s = s[np.linspace(0, len(s) - 1, MAX_VALIDATION_SCORES).round().astype(int)]
    return [float(v) for v in s]


def site_check(batch_scores: np.ndarray, validation: np.ndarray, alpha: float = SITE_ALPHA,
               min_images: int = SITE_MIN_IMAGES) -> dict | None:
    """Whether a set of images scores higher than the in-source validation images (docs/interfaces.md
    section 1, "Site check"): one-sided Mann-Whitney U test with the tie-corrected variance and a
    continuity correction, normal approximation (Mann & Whitney 1947). `batch_scores` [n] are the
    set's OOD scores (NaN counts as +inf: no evidence of being like the training data), `validation`
    [V] the card's `validationScores`. Returns {test, n, validationN, auroc = U / (n V), z, pValue,
    alpha, unlikeTraining = pValue < alpha, None when n < min_images}, or None when either side is
    empty. The images are taken as independent draws (slices of one patient are not)."""
    s = np.asarray(batch_scores, dtype=np.float64)
    s = np.where(np.isnan(s), np.inf, s)
    r = np.asarray(validation, dtype=np.float64)
    n, v = len(s), len(r)
    if n == 0 or v == 0:
        return None
    if not np.isfinite(r).all():
        raise ValueError("the card's ood.validationScores must all be finite numbers")
    values, inverse, counts = np.unique(np.r_[s, r], return_inverse=True, return_counts=True)
    midrank = np.cumsum(counts) - (counts - 1) / 2.0
    u = float(midrank[inverse[:n]].sum()) - n * (n + 1) / 2.0
    big_n = n + v
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    variance = n * v / 12.0 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    z = (u - n * v / 2.0 - 0.5) / math.sqrt(variance) if variance > 0 else 0.0
    p = 0.5 * math.erfc(z / math.sqrt(2.0))
    return {"test": SITE_TEST, "n": n, "validationN": v, "auroc": u / (n * v), "z": z, "pValue": p, "alpha": alpha,
            "unlikeTraining": bool(p < alpha) if n >= min_images and v >= SITE_MIN_VALIDATION else None}


def validation_score_problems(ood: dict) -> list[str]:
    """What is wrong with a card's `ood.validationScores` (docs/interfaces.md section 4): a list of
    SITE_MIN_VALIDATION to MAX_VALIDATION_SCORES finite numbers >= 0, ascending, whose
    `percentile`-th percentile is the card's threshold (checked where the list is not thinned), so a
    publisher cannot quiet the site check without raising the per-image threshold too. JSON Schema
    cannot say "ascending" or "finite"; the sdk's zod schema checks the same."""
    v = ood.get("validationScores")
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return ["ood/validationScores: must be a list of numbers"]
    if not SITE_MIN_VALIDATION <= len(v) <= MAX_VALIDATION_SCORES:
        return [f"ood/validationScores: {len(v)} scores; a card carries {SITE_MIN_VALIDATION} to {MAX_VALIDATION_SCORES}"]
    a = np.asarray(v, dtype=np.float64)
    if not (np.isfinite(a).all() and (a >= 0).all()):
        return ["ood/validationScores: every score must be a finite number >= 0"]
    if (np.diff(a) < 0).any():
        return ["ood/validationScores: must be in ascending order"]
    threshold, percentile = ood.get("threshold"), ood.get("percentile")
    if len(a) < MAX_VALIDATION_SCORES and isinstance(threshold, (int, float)) and isinstance(percentile, (int, float)):
        want = float(np.percentile(a, percentile))
        if not abs(threshold - want) <= 1e-9 * max(1.0, abs(want)):
            return [f"ood/threshold: {threshold} is not the {percentile}th percentile of ood/validationScores ({want})"]
    return []


def site_check_rates(held_out: np.ndarray, in_source_test: np.ndarray, validation: np.ndarray,
                     sizes: tuple[int, ...] = (10, 20, 50, 100), draws: int = 1000, seed: int = 0) -> dict:
    """How often the site check says "unlike the training data" for sets of n images drawn at random
    (without replacement, seeded) from a held-out source's scores (its power: a new site seen) and
    from the in-source test scores (its false-alarm rate), for each n in `sizes`; and the check on
    each whole side. A rate is None where a side has fewer than n images."""
    rng = np.random.default_rng(seed)
    held_out, in_source_test = np.asarray(held_out, dtype=np.float64), np.asarray(in_source_test, dtype=np.float64)

    def rate(pool: np.ndarray, n: int) -> float | None:
        if len(pool) < n:
            return None
        return float(np.mean([site_check(rng.choice(pool, n, replace=False), validation)["unlikeTraining"] is True
                              for _ in range(draws)]))

    return {"alpha": SITE_ALPHA, "draws": draws,
            "bySize": [{"n": n, "heldOut": rate(held_out, n), "inSourceTest": rate(in_source_test, n)} for n in sizes],
            "wholeHeldOut": site_check(held_out, validation), "wholeInSourceTest": site_check(in_source_test, validation)}
