import itertools

import numpy as np

from neuroledger_training.metrics import binary_metrics, roc_auc


def test_counts_and_ratios():
    y = [0, 0, 0, 1, 1, 1, 1]
    p = [0.1, 0.6, 0.2, 0.9, 0.4, 0.8, 0.7]
    m = binary_metrics(y, p)
    assert m["confusion"] == [[2, 1], [1, 3]]
    assert m["accuracy"] == 5 / 7 and m["precision"] == 3 / 4 and m["recall"] == 3 / 4
    assert abs(m["f1"] - 0.75) < 1e-12 and m["n"] == 7


def test_auc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    s = rng.integers(0, 5, 60) / 4  # many ties
    pos, neg = s[y == 1], s[y == 0]
    want = np.mean([1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg)])
    assert abs(roc_auc(y, s) - want) < 1e-12


def test_auc_is_none_for_one_class():
    assert roc_auc([1, 1], [0.2, 0.3]) is None
