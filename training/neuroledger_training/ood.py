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
MAX_STRATA = 64  # "<source>/<label>" strata of the validation scores: a test per stratum


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


def ood_section(g_train: np.ndarray, g_val: np.ndarray, held_out_auroc: float | None, percentile: float = PERCENTILE,
                strata: list[str] | None = None) -> dict:
    """The card's `ood`: statistics from training images, scales and threshold = the `percentile`-th
    percentile of the validation images' scores, and those scores by stratum (`validationScores`,
    for the site check): `strata` [V] names each validation image's "<source>/<label>" (None: one
    stratum, "all"). Written only when some stratum has SITE_MIN_VALIDATION images."""
    stats = fit_stats(g_train, g_val, percentile)
    s_val = scores(g_val, stats)
    threshold = float(np.percentile(s_val, percentile))
    by_stratum = validation_scores(s_val, strata if strata is not None else ["all"] * len(s_val))
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
        **({"validationScores": by_stratum} if max(map(len, by_stratum.values()), default=0) >= SITE_MIN_VALIDATION else {}),
    }


def validation_scores(s: np.ndarray, strata: list[str]) -> dict[str, list[float]]:
    """The card's `validationScores`: each stratum's finite scores, ascending, strata in name order;
    at most MAX_VALIDATION_SCORES in all (beyond that each stratum keeps evenly spaced order
    statistics in proportion, which keeps its distribution's shape)."""
    s = np.asarray(s, dtype=np.float64)
    names = np.asarray(strata)
    total = int(np.isfinite(s).sum())
    out = {}
    for name in sorted(set(strata)):
        x = np.sort(s[(names == name) & np.isfinite(s)])
        if total > MAX_VALIDATION_SCORES and len(x):
            keep = max(1, len(x) * MAX_VALIDATION_SCORES // total)
            x = x[np.linspace(0, len(x) - 1, keep).round().astype(int)]
        if len(x):
            out[str(name)] = [float(v) for v in x]
    return out


def mann_whitney(batch_scores: np.ndarray, reference: np.ndarray) -> dict:
    """One-sided Mann-Whitney U test (Mann & Whitney 1947) that `batch_scores` [n] score higher than
    `reference` [V] (both non-empty): tie-corrected variance, continuity correction, normal
    approximation. NaN in the batch counts as +inf (no evidence of being like the training data).
    Returns {validationN, auroc = U / (n V), z, pValue}. Raises ValueError on a non-finite reference."""
    s = np.asarray(batch_scores, dtype=np.float64)
    s = np.where(np.isnan(s), np.inf, s)
    r = np.asarray(reference, dtype=np.float64)
    if not np.isfinite(r).all():
        raise ValueError("the card's ood.validationScores must all be finite numbers")
    n, v = len(s), len(r)
    _, inverse, counts = np.unique(np.r_[s, r], return_inverse=True, return_counts=True)
    midrank = np.cumsum(counts) - (counts - 1) / 2.0
    u = float(midrank[inverse[:n]].sum()) - n * (n + 1) / 2.0
    big_n = n + v
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    variance = n * v / 12.0 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    z = (u - n * v / 2.0 - 0.5) / math.sqrt(variance) if variance > 0 else 0.0
    return {"validationN": v, "auroc": u / (n * v), "z": z, "pValue": 0.5 * math.erfc(z / math.sqrt(2.0))}


def site_check(batch_scores: np.ndarray, validation: dict, alpha: float = SITE_ALPHA,
               min_images: int = SITE_MIN_IMAGES) -> dict | None:
    """Whether a set of images scores higher than the validation images of EVERY stratum (source and
    label) of the model's training data (docs/interfaces.md section 1, "Site check"): a one-sided
    Mann-Whitney U test (mann_whitney) against each stratum of `validation` (the card's
    `validationScores`), joined as an intersection-union test (Berger 1982): p = the largest p over
    the strata of at least SITE_MIN_VALIDATION scores, so a set is called unlike the training data
    only when it is unlike each of them, and a held-back set of one stratum (say, one source's tumor
    images) is compared with its own kind. Returns {test, n, alpha, pValue (None: no stratum large
    enough), closestStratum (the stratum of that p), unlikeTraining = pValue < alpha (None under
    min_images images or without a p), strata: [{stratum, validationN, auroc, z, pValue}] in name
    order}, or None when the set or `validation` is empty. The images are taken as independent draws
    (slices of one patient are not)."""
    s = np.asarray(batch_scores, dtype=np.float64)
    strata = [(name, r) for name, r in sorted(validation.items()) if len(r)]
    if len(s) == 0 or not strata:
        return None
    rows = [{"stratum": name, **mann_whitney(s, r)} for name, r in strata]
    tested = [row for row in rows if row["validationN"] >= SITE_MIN_VALIDATION]
    closest = max(tested, key=lambda row: row["pValue"]) if tested else None
    p = closest["pValue"] if closest else None
    return {"test": SITE_TEST, "n": len(s), "alpha": alpha, "pValue": p,
            "closestStratum": closest["stratum"] if closest else None,
            "unlikeTraining": bool(p < alpha) if p is not None and len(s) >= min_images else None,
            "strata": rows}


def validation_score_problems(ood: dict) -> list[str]:
    """What is wrong with a card's `ood.validationScores` (docs/interfaces.md section 4): an object
    of at most MAX_STRATA strata, each a non-empty list of finite numbers >= 0 in ascending order,
    at most MAX_VALIDATION_SCORES in all, one stratum with at least SITE_MIN_VALIDATION; and the
    `percentile`-th percentile of all of them together is the card's threshold (checked where the
    lists are not thinned), so a publisher cannot quiet the site check without raising the per-image
    threshold too. JSON Schema cannot say "ascending" or "finite"; the sdk's zod schema checks the same."""
    v = ood.get("validationScores")
    if v is None:
        return []
    if not isinstance(v, dict) or not 1 <= len(v) <= MAX_STRATA:
        return [f"ood/validationScores: must be an object of 1 to {MAX_STRATA} strata (\"<source>/<label>\": scores)"]
    problems, everything = [], []
    for name, scores_ in v.items():
        where = f"ood/validationScores/{name}"
        if not isinstance(scores_, list) or not scores_ or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in scores_):
            problems.append(f"{where}: must be a non-empty list of numbers")
            continue
        a = np.asarray(scores_, dtype=np.float64)
        if not (np.isfinite(a).all() and (a >= 0).all()):
            problems.append(f"{where}: every score must be a finite number >= 0")
        elif (np.diff(a) < 0).any():
            problems.append(f"{where}: must be in ascending order")
        everything.append(a)
    if problems:
        return problems
    total = sum(map(len, everything))
    if total > MAX_VALIDATION_SCORES:
        return [f"ood/validationScores: {total} scores in all; a card carries at most {MAX_VALIDATION_SCORES}"]
    if max(map(len, everything)) < SITE_MIN_VALIDATION:
        return [f"ood/validationScores: no stratum has {SITE_MIN_VALIDATION} scores (a card carries none then)"]
    threshold, percentile = ood.get("threshold"), ood.get("percentile")
    if total < MAX_VALIDATION_SCORES and isinstance(threshold, (int, float)) and isinstance(percentile, (int, float)):
        want = float(np.percentile(np.concatenate(everything), percentile))
        if not abs(threshold - want) <= 1e-9 * max(1.0, abs(want)):
            return [f"ood/threshold: {threshold} is not the {percentile}th percentile of ood/validationScores ({want})"]
    return []


def site_check_rates(held_out: np.ndarray, in_source_test: np.ndarray, validation: dict, test_strata: list[str] | None = None,
                     sizes: tuple[int, ...] = (10, 20, 50, 100), draws: int = 1000, seed: int = 0) -> dict:
    """How often the site check says "unlike the training data" for sets of n images drawn at random
    (without replacement, seeded) from a held-out source's scores (its power: a new site seen) and
    from the in-source test scores (its false-alarm rate), for each n in `sizes`; the check on each
    whole side; and, with `test_strata` [T] ("<source>/<label>" of each in-source test image), the
    same for the in-source test images of each stratum alone (stratum_site_checks). A rate is None
    where a side has fewer than n images."""
    rng = np.random.default_rng(seed)
    held_out, in_source_test = np.asarray(held_out, dtype=np.float64), np.asarray(in_source_test, dtype=np.float64)
    return {"alpha": SITE_ALPHA, "draws": draws,
            "bySize": [{"n": n, "heldOut": _rate(held_out, n, validation, rng, draws),
                        "inSourceTest": _rate(in_source_test, n, validation, rng, draws)} for n in sizes],
            "wholeHeldOut": site_verdict(held_out, validation), "wholeInSourceTest": site_verdict(in_source_test, validation),
            "inSourceTestByStratum": stratum_site_checks(in_source_test, test_strata, validation, draws, seed)
            if test_strata is not None else []}


def stratum_site_checks(scores_: np.ndarray, strata: list[str], validation: dict, draws: int = 1000, seed: int = 0) -> list[dict]:
    """The site check on the in-source test images of each stratum alone: the whole stratum's verdict
    and the share of random sets of 20 and of 50 of its images called unlike the training data (a
    held-back set of one kind: the false alarms a site with only, say, tumor images of a training
    source would see)."""
    rng = np.random.default_rng(seed)
    scores_, names = np.asarray(scores_, dtype=np.float64), np.asarray(strata)
    rows = []
    for name in sorted(set(strata)):
        pool = scores_[names == name]
        rows.append({"stratum": name, "whole": site_verdict(pool, validation),
                     **{f"sets{n}": _rate(pool, n, validation, rng, draws) for n in (20, 50)}})
    return rows


def _rate(pool: np.ndarray, n: int, validation: dict, rng: np.random.Generator, draws: int) -> float | None:
    if len(pool) < n:
        return None
    return float(np.mean([site_check(rng.choice(pool, n, replace=False), validation)["unlikeTraining"] is True
                          for _ in range(draws)]))


def site_verdict(pool: np.ndarray, validation: dict) -> dict | None:
    """site_check's verdict alone: n, pValue, closestStratum, unlikeTraining (None for an empty set)."""
    check = site_check(pool, validation)
    return check and {k: check[k] for k in ("n", "pValue", "closestStratum", "unlikeTraining")}
