"""The site check (docs/interfaces.md section 1): a set of images' OOD scores against the card's
validation scores, and how bench measures it."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuroledger_training.evaluate import evaluate_folder, out_of_distribution
from neuroledger_training.ood import (MAX_VALIDATION_SCORES, SITE_ALPHA, SITE_MIN_VALIDATION, ood_section, scores, site_check,
                                      site_check_rates, validation_score_problems, validation_scores)

# Reference figures from scipy.stats.mannwhitneyu(SET, REFERENCE, alternative="greater",
# method="asymptotic") (scipy 1.17): the same tie and continuity corrections; the sdk's test uses them too.
SET = [0.5, 1.2, 1.2, 3.0, 0.9, 2.2, 1.2, 0.7, 4.1, 1.0, 2.5, 0.3]
REFERENCE = [0.1, 0.4, 0.5, 1.2, 0.8, 0.9, 0.2, 0.6, 1.1, 0.3, 0.7, 0.5, 1.3, 0.2, 0.9]


def _pairwise_u(s, r):
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in s for b in r)


def test_site_check_gives_scipys_u_and_p_value_on_a_set_with_ties():
    check = site_check(SET, REFERENCE)
    assert check["test"] == "mann-whitney-u" and check["n"] == 12 and check["validationN"] == 15
    assert check["auroc"] * 12 * 15 == 141.5
    assert abs(check["pValue"] - 0.006270225322751207) < 1e-12
    # Against 15 validation scores (cards carry at least 100): the figures, but no verdict.
    assert check["alpha"] == SITE_ALPHA and check["unlikeTraining"] is None


def test_site_check_keeps_a_tiny_p_values_digits():
    check = site_check([10 + i * 0.1 for i in range(40)], [i * 0.01 for i in range(200)])
    assert check["auroc"] == 1.0 and check["unlikeTraining"] is True
    assert abs(check["pValue"] / 9.514673774681335e-24 - 1) < 1e-9


def test_site_check_u_counts_the_pairs_the_set_wins():
    rng = np.random.default_rng(3)
    a, b = np.round(rng.random(37) * 20) / 10, np.sort(np.round(rng.random(53) * 20) / 10)
    assert abs(site_check(a, b)["auroc"] * 37 * 53 - _pairwise_u(a, b)) < 1e-9


def test_site_check_edges_nan_few_images_all_tied_empty():
    assert site_check([np.nan, np.nan], [0.0, 1.0, 2.0])["auroc"] == 1.0  # NaN: no evidence of being alike
    few = site_check([100.0] * 9, np.arange(100) / 100)
    assert few["pValue"] < SITE_ALPHA and few["unlikeTraining"] is None  # figures, but no verdict under 10 images
    tied = site_check([1.0] * 12, [1.0] * 120)
    assert tied["z"] == 0.0 and tied["pValue"] == 0.5 and tied["unlikeTraining"] is False
    assert site_check([], [1.0]) is None and site_check([1.0], []) is None
    assert site_check([5.0] * 40, [0.0, 1.0, 2.0])["unlikeTraining"] is None  # fewer than 100 validation scores
    # NaN and +inf tie (both "no evidence of being alike"), as in the sdk; the largest float stays a number.
    assert site_check([np.inf] + [0.0] * 9, [np.finfo(float).max])["auroc"] == 0.1
    with pytest.raises(ValueError, match="validationScores"):
        site_check([1.0], [0.0, np.nan])


def test_card_carries_the_validation_scores_ascending_and_capped():
    rng = np.random.default_rng(4)
    g, g_val = rng.normal(size=(200, 4)) + 3, rng.normal(size=(150, 4)) + 3
    sec = ood_section(g, g_val, None)
    assert sec["validationScores"] == sorted(scores(g_val, sec).tolist())
    assert not validation_score_problems(sec)
    # Fewer than SITE_MIN_VALIDATION validation images: the card carries none (no site check).
    assert "validationScores" not in ood_section(g, g_val[:SITE_MIN_VALIDATION - 1], None)
    assert sec["threshold"] == float(np.percentile(sec["validationScores"], 99))
    many = validation_scores(np.r_[rng.random(MAX_VALIDATION_SCORES + 500), np.nan])
    assert len(many) == MAX_VALIDATION_SCORES and many == sorted(many) and np.isfinite(many).all()


def test_site_check_rates_see_a_shifted_source_and_stay_quiet_on_an_alike_one():
    rng = np.random.default_rng(5)
    validation = np.sort(rng.random(400))
    out = site_check_rates(0.3 + rng.random(500), rng.random(300), validation, sizes=(10, 50, 400), draws=200)
    rows = {row["n"]: row for row in out["bySize"]}
    assert out["alpha"] == SITE_ALPHA and out["draws"] == 200
    assert rows[10]["heldOut"] < rows[50]["heldOut"] == 1.0  # more images, more power
    assert rows[50]["inSourceTest"] <= 0.02
    assert rows[400]["inSourceTest"] is None  # the in-source side has only 300
    assert out["wholeHeldOut"]["unlikeTraining"] is True and out["wholeInSourceTest"]["unlikeTraining"] is False


def test_evaluate_reports_flagged_images_and_the_site_check(tmp_path):
    smoke = Path(__file__).resolve().parents[1] / "models" / "smoke"
    vectors = json.loads((smoke / "vectors" / "vectors.json").read_text())
    model = tmp_path / "model"
    model.mkdir()
    shutil.copy(smoke / "model.pt", model / "model.pt")
    card = json.loads((smoke / "card.json").read_text())
    own = sorted(item["oodScore"] for item in vectors["items"])
    # 120 validation scores far below every image (a new site), the threshold their percentile.
    card["ood"]["validationScores"] = np.linspace(0, own[0] / 2, 120).tolist()
    card["ood"]["threshold"] = float(np.percentile(card["ood"]["validationScores"], card["ood"]["percentile"]))
    (model / "card.json").write_text(json.dumps(card))
    data = tmp_path / "data" / "yes"
    data.mkdir(parents=True)
    for copy in range(3):
        for item in vectors["items"]:
            shutil.copy(smoke / "vectors" / item["image"], data / f"{copy}-{item['image']}")
    logged = []
    out = evaluate_folder(model, data.parent, log=logged.append)["outOfDistribution"]
    assert out["n"] == 15 and out["threshold"] == card["ood"]["threshold"]
    assert out["flagged"] == 15  # every image is above a threshold below all of them
    assert out["siteCheck"]["auroc"] == 1.0 and out["siteCheck"]["unlikeTraining"] is True
    assert any("as a set" in line for line in logged) and any(f"{out['flagged']} of 15" in line for line in logged)
    # Without validation scores: the count, no site check; without OOD statistics: nothing.
    assert out_of_distribution(np.ones((3, 2)), {"method": "gap-diagonal-mahalanobis", "mean": [1, 1], "var": [1, 1],
                                                 "threshold": 0.5}, log=logged.append)["siteCheck"] is None
    assert out_of_distribution(np.ones((3, 2)), None) is None


def test_a_card_with_bad_validation_scores_is_refused_before_the_run(tmp_path):
    from neuroledger_training.card import CardError
    smoke = Path(__file__).resolve().parents[1] / "models" / "smoke"
    card = json.loads((smoke / "card.json").read_text())
    ok = np.linspace(0, 1, 120).tolist()
    threshold = float(np.percentile(ok, card["ood"]["percentile"]))
    cases = {
        "descending": (ok[::-1], threshold, "ascending"),
        "too few": (ok[:99], threshold, "too short|99 scores"),
        "negative": ([-1.0] + ok[1:], threshold, "minimum|>= 0"),
        "a threshold that is not their percentile": (ok, threshold * 2, "is not the 99.0th percentile"),
        "not numbers": (["1"] * 120, threshold, "number"),
    }
    data = tmp_path / "data" / "yes"
    data.mkdir(parents=True)
    shutil.copy(smoke / "vectors" / "v0.png", data / "v0.png")
    for name, (scores_, thr, why) in cases.items():
        model = tmp_path / name.replace(" ", "-")
        model.mkdir()
        shutil.copy(smoke / "model.pt", model / "model.pt")
        (model / "card.json").write_text(json.dumps({**card, "ood": {**card["ood"], "validationScores": scores_, "threshold": thr}}))
        with pytest.raises(CardError, match=why):
            evaluate_folder(model, data.parent, log=lambda m: None, predictions=tmp_path / f"{name}.csv")
        assert not (tmp_path / f"{name}.csv").exists(), name  # refused before anything was written
    # NaN is not JSON: refused too, where Python's json would read it.
    model = tmp_path / "nan"
    model.mkdir()
    shutil.copy(smoke / "model.pt", model / "model.pt")
    (model / "card.json").write_text(json.dumps({**card, "ood": {**card["ood"], "validationScores": [float("nan")] * 120}}))
    with pytest.raises(CardError, match="NaN is not JSON"):
        evaluate_folder(model, data.parent, log=lambda m: None)
