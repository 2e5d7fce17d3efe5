import numpy as np
import pytest

from neuroledger_training.cache import load_images
from neuroledger_training.data import scan_folder
from neuroledger_training.dedup import DedupConfig, find_groups
from neuroledger_training.split import SplitError, group_split, kfold_splits


@pytest.fixture(scope="module")
def prepared(dataset):
    root, special = dataset
    listing = scan_folder(root)
    images = load_images(listing, None, lambda m: None)
    labels = np.array([s.label for s in listing.samples])
    index = {s.relpath: i for i, s in enumerate(listing.samples)}
    return listing, images, labels, index, special


def test_resized_reencoded_copy_is_grouped_with_its_original(prepared):
    listing, images, labels, index, special = prepared
    groups = find_groups(images)
    for key in ("no_duplicate_pair", "yes_duplicate_pair"):
        a, b = (index[p] for p in special[key])
        assert groups[a] == groups[b], key
    # Distinct synthetic slices stay apart: exactly the two copies were merged.
    assert len(np.unique(groups)) == len(listing.samples) - 2


def test_stricter_pixel_check_separates_the_copy(prepared):
    _, images, _, index, special = prepared
    a, b = (index[p] for p in special["yes_duplicate_pair"])
    groups = find_groups(images, DedupConfig(min_pixel_correlation=1.01, min_pixel_correlation_alone=1.01))
    assert groups[a] != groups[b]


@pytest.mark.parametrize("seed", range(8))
def test_split_keeps_duplicate_copies_on_one_side(prepared, seed):
    listing, images, labels, index, special = prepared
    groups = find_groups(images)
    split = group_split(labels, groups, listing.labels, seed=seed)
    side_of = {}
    for name in ("train", "validation", "test"):
        for i in split.side(name):
            side_of[int(i)] = name
    assert sorted(side_of) == list(range(len(labels)))  # a partition
    for key in ("no_duplicate_pair", "yes_duplicate_pair"):
        a, b = (index[p] for p in special[key])
        assert side_of[a] == side_of[b]
    for name in ("train", "validation", "test"):  # stratified: both classes on every side
        assert set(labels[split.side(name)]) == {0, 1}


def test_no_group_crosses_sides_on_random_groups():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 120, 600)
    labels = (groups % 2).astype(int)  # group-consistent labels
    split = group_split(labels, groups, ["no", "yes"], seed=1)
    sets = [set(groups[split.side(n)]) for n in ("train", "validation", "test")]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert abs(len(split.test) / 600 - 0.15) < 0.05 and abs(len(split.train) / 600 - 0.70) < 0.05


def test_kfold_test_folds_partition_the_data():
    rng = np.random.default_rng(4)
    groups = rng.integers(0, 100, 500)
    labels = (groups % 2).astype(int)
    folds = kfold_splits(labels, groups, ["no", "yes"], k=5)
    tests = np.concatenate([f.test for f in folds])
    assert sorted(tests.tolist()) == list(range(500))
    for f in folds:
        sides = [set(groups[f.side(n)]) for n in ("train", "validation", "test")]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
        assert len(f.train) + len(f.validation) + len(f.test) == 500


def test_too_few_groups_is_a_clear_error():
    with pytest.raises(SplitError, match="'yes' has 2 near-duplicate group"):
        group_split(np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 3, 4]), ["no", "yes"])
