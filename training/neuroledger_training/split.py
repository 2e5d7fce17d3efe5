"""Stratified splits that keep every near-duplicate group on one side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDES = ("train", "validation", "test")


class SplitError(ValueError):
    pass


@dataclass
class Split:
    train: np.ndarray  # sample indices
    validation: np.ndarray
    test: np.ndarray

    def side(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def describe(self, labels: np.ndarray, groups: np.ndarray, names: list[str]) -> dict:
        out: dict = {}
        for side in SIDES:
            idx = self.side(side)
            out[side] = {
                "n": int(len(idx)),
                "groups": int(len(np.unique(groups[idx]))),
                "classes": {name: int((labels[idx] == c).sum()) for c, name in enumerate(names)},
            }
        return out


def group_labels(labels: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, int]:
    """Majority label of each group and the number of groups that mix labels."""
    n_groups = int(groups.max()) + 1
    counts = np.zeros((n_groups, int(labels.max()) + 1), dtype=np.int64)
    np.add.at(counts, (groups, labels), 1)
    return counts.argmax(1), int(((counts > 0).sum(1) > 1).sum())


def _class_groups(labels, groups, seed) -> dict[int, list[tuple[int, int]]]:
    """label -> shuffled [(group id, image count)]."""
    rng = np.random.default_rng(seed)
    g_label, _ = group_labels(labels, groups)
    sizes = np.bincount(groups)
    out = {}
    for c in np.unique(labels):
        ids = np.nonzero(g_label == c)[0]
        rng.shuffle(ids)
        out[int(c)] = [(int(g), int(sizes[g])) for g in ids]
    return out


def _cut(items: list[tuple[int, int]], fractions: list[float]) -> list[list[int]]:
    """Cut a shuffled group list into consecutive parts holding about `fractions` of the images,
    each part at least one group."""
    total = sum(size for _, size in items)
    parts: list[list[int]] = [[] for _ in fractions]
    bounds = np.cumsum(fractions) * total
    seen = 0
    for gid, size in items:
        k = int(np.searchsorted(bounds, seen, side="right"))
        parts[min(k, len(parts) - 1)].append(gid)
        seen += size
    # Every part gets at least one group: borrow from the largest part.
    for part in parts:
        if not part:
            donor = max(parts, key=len)
            part.append(donor.pop())
    return parts


def _indices(groups: np.ndarray, group_ids: list[int]) -> np.ndarray:
    return np.sort(np.nonzero(np.isin(groups, group_ids))[0])


def _check_enough(per_class, names, need: int) -> None:
    for c, items in per_class.items():
        if len(items) < need:
            raise SplitError(
                f"class {names[c]!r} has {len(items)} near-duplicate group(s); a split needs at least {need}"
            )


def group_split(labels, groups, names, fractions=(0.70, 0.15, 0.15), seed: int = 0) -> Split:
    """Stratified train/validation/test split by near-duplicate group (test and validation first)."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    per_class = _class_groups(labels, groups, seed)
    _check_enough(per_class, names, 3)
    chosen: dict[str, list[int]] = {side: [] for side in SIDES}
    for items in per_class.values():
        test, val, train = _cut(items, [fractions[2], fractions[1], fractions[0]])
        chosen["test"] += test
        chosen["validation"] += val
        chosen["train"] += train
    return Split(**{side: _indices(groups, ids) for side, ids in chosen.items()})


def kfold_splits(labels, groups, names, k: int, val_fraction: float = 0.15, seed: int = 0) -> list[Split]:
    """k stratified group folds; fold i is the test side, validation is cut from the rest."""
    if k < 2:
        raise SplitError(f"k-fold needs k >= 2, got {k}")
    labels, groups = np.asarray(labels), np.asarray(groups)
    per_class = _class_groups(labels, groups, seed)
    _check_enough(per_class, names, k + 1)
    folds: list[list[int]] = [[] for _ in range(k)]
    rest_by_fold: list[dict[int, list[tuple[int, int]]]] = [dict() for _ in range(k)]
    for c, items in per_class.items():
        load = [0] * k
        assigned: list[list[tuple[int, int]]] = [[] for _ in range(k)]
        # Largest groups first, each to the fold with the fewest images of this class so far.
        for gid, size in sorted(items, key=lambda t: -t[1]):
            f = int(np.argmin(load))
            assigned[f].append((gid, size))
            load[f] += size
        for f in range(k):
            folds[f] += [gid for gid, _ in assigned[f]]
            rest_by_fold[f][c] = [item for g in range(k) if g != f for item in assigned[g]]
    splits = []
    rng = np.random.default_rng(seed + 1)
    for f in range(k):
        val_ids: list[int] = []
        train_ids: list[int] = []
        for items in rest_by_fold[f].values():
            items = list(items)
            rng.shuffle(items)
            val, train = _cut(items, [val_fraction / (1 - 1 / k), 1 - val_fraction / (1 - 1 / k)])
            val_ids += val
            train_ids += train
        splits.append(Split(train=_indices(groups, train_ids), validation=_indices(groups, val_ids), test=_indices(groups, folds[f])))
    return splits
