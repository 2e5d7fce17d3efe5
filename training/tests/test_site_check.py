"""The site check (docs/interfaces.md section 1): a set of images' OOD scores against the card's
validation scores, stratum by stratum, and how bench measures it."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuroledger_training.card import CardError
from neuroledger_training.evaluate import evaluate_folder, out_of_distribution
from neuroledger_training.ood import (MAX_VALIDATION_SCORES, SITE_ALPHA, mann_whitney, ood_section,
                                      scores, site_check, site_check_rates, validation_score_problems, validation_scores)

SMOKE = Path(__file__).resolve().parents[1] / "models" / "smoke"
# Reference figures from scipy.stats.mannwhitneyu(SET, REFERENCE, alternative="greater",
# method="asymptotic") (scipy 1.17): the same tie and continuity corrections; the sdk's test uses them too.
SET = [0.5, 1.2, 1.2, 3.0, 0.9, 2.2, 1.2, 0.7, 4.1, 1.0, 2.5, 0.3]
REFERENCE = [0.1, 0.4, 0.5, 1.2, 0.8, 0.9, 0.2, 0.6, 1.1, 0.3, 0.7, 0.5, 1.3, 0.2, 0.9]


def _pairwise_u(s, r):
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in s for b in r)


def test_mann_whitney_gives_scipys_u_and_p_value_on_a_set_with_ties():
    m = mann_whitney(SET, REFERENCE)
    assert m["validationN"] == 15 and m["auroc"] * 12 * 15 == 141.5
    assert abs(m["pValue"] - 0.006270225322751207) < 1e-12


def test_mann_whitney_keeps_a_tiny_p_values_digits():
    m = mann_whitney([10 + i * 0.1 for i in range(40)], [i * 0.01 for i in range(200)])
    assert m["auroc"] == 1.0 and abs(m["pValue"] / 9.514673774681335e-24 - 1) < 1e-9


def test_mann_whitney_u_counts_the_pairs_the_set_wins():
    rng = np.random.default_rng(3)
    a, b = np.round(rng.random(37) * 20) / 10, np.sort(np.round(rng.random(53) * 20) / 10)
    assert abs(mann_whitney(a, b)["auroc"] * 37 * 53 - _pairwise_u(a, b)) < 1e-9


def test_mann_whitney_edges_nan_infinity_all_tied():
    assert mann_whitney([np.nan, np.nan], [0.0, 1.0, 2.0])["auroc"] == 1.0  # NaN: no evidence of being alike
    # NaN and +inf tie (both "no evidence of being alike"), as in the sdk; the largest float stays a number.
    assert mann_whitney([np.inf] + [0.0] * 9, [np.finfo(float).max])["auroc"] == 0.1
    tied = mann_whitney([1.0] * 12, [1.0] * 120)
    assert tied["z"] == 0.0 and tied["pValue"] == 0.5
    with pytest.raises(ValueError, match="validationScores"):
        mann_whitney([1.0], [0.0, np.nan])


def test_site_check_calls_a_set_unlike_only_when_it_is_unlike_every_stratum():
    rng = np.random.default_rng(6)
    strata = {"a/no": np.sort(rng.random(300)), "a/yes": np.sort(0.5 + rng.random(200))}
    like_yes = 0.5 + rng.random(60)  # a held-back set of one stratum: like "a/yes", far above "a/no"
    check = site_check(like_yes, strata)
    assert [row["stratum"] for row in check["strata"]] == ["a/no", "a/yes"]
    assert check["strata"][0]["pValue"] < SITE_ALPHA < check["strata"][1]["pValue"]
    assert check["closestStratum"] == "a/yes" and check["pValue"] == check["strata"][1]["pValue"]
    assert check["unlikeTraining"] is False and check["alpha"] == SITE_ALPHA and check["n"] == 60
    new_site = site_check(1.2 + rng.random(30), strata)
    assert new_site["unlikeTraining"] is True and new_site["pValue"] < SITE_ALPHA


def test_site_check_without_a_verdict_few_images_small_strata_empty():
    big = {"s/x": list(np.arange(100) / 100)}
    few = site_check([100.0] * 9, big)
    assert few["pValue"] < SITE_ALPHA and few["unlikeTraining"] is None  # figures, but no verdict under 10 images
    small = site_check([5.0] * 40, {"s/x": [0.0, 1.0, 2.0]})  # fewer than 100 validation scores in every stratum
    assert small["pValue"] is None and small["closestStratum"] is None and small["unlikeTraining"] is None
    assert small["strata"][0]["auroc"] == 1.0  # its figures are still given
    # A small stratum takes no part in the verdict: the set is judged against the large one.
    mixed = site_check([5.0] * 40, {**big, "s/y": [10.0]})
    assert mixed["closestStratum"] == "s/x" and mixed["unlikeTraining"] is True
    assert site_check([], big) is None and site_check([1.0], {}) is None


def test_card_carries_the_validation_scores_by_stratum_ascending_and_capped():
    rng = np.random.default_rng(4)
    g, g_val = rng.normal(size=(200, 4)) + 3, rng.normal(size=(250, 4)) + 3
    strata = ["b/no"] * 150 + ["b/yes"] * 60 + ["f/yes"] * 40
    sec = ood_section(g, g_val, None, strata=strata)
    s_val = scores(g_val, sec)
    assert list(sec["validationScores"]) == ["b/no", "b/yes", "f/yes"]
    assert sec["validationScores"]["b/yes"] == sorted(s_val[150:210].tolist())
    assert not validation_score_problems(sec)
    assert "all" in ood_section(g, g_val, None)["validationScores"]  # no strata given: one
    # No stratum of SITE_MIN_VALIDATION validation images: the card carries none (no site check).
    assert "validationScores" not in ood_section(g, g_val, None, strata=["b/no"] * 99 + ["b/yes"] * 99 + ["f/yes"] * 52)
    many = validation_scores(np.r_[rng.random(MAX_VALIDATION_SCORES + 500), np.nan], ["x"] * (MAX_VALIDATION_SCORES + 501))
    assert len(many["x"]) == MAX_VALIDATION_SCORES and many["x"] == sorted(many["x"])


def test_site_check_rates_see_a_shifted_source_and_report_each_stratum():
    rng = np.random.default_rng(5)
    validation = {"a/no": np.sort(rng.random(400)), "a/yes": np.sort(0.2 + rng.random(200))}
    test = np.r_[rng.random(200), 0.2 + rng.random(100)]
    out = site_check_rates(0.6 + rng.random(500), test, validation, ["a/no"] * 200 + ["a/yes"] * 100,
                           sizes=(10, 50, 400), draws=200)
    rows = {row["n"]: row for row in out["bySize"]}
    assert out["alpha"] == SITE_ALPHA and out["draws"] == 200
    assert rows[10]["heldOut"] < rows[50]["heldOut"] == 1.0  # more images, more power
    assert rows[50]["inSourceTest"] <= 0.02 and rows[400]["inSourceTest"] is None  # the in-source side has 300
    assert out["wholeHeldOut"]["unlikeTraining"] is True and out["wholeInSourceTest"]["unlikeTraining"] is False
    by = {row["stratum"]: row for row in out["inSourceTestByStratum"]}
    assert set(by) == {"a/no", "a/yes"} and by["a/yes"]["whole"]["n"] == 100
    assert by["a/yes"]["whole"]["unlikeTraining"] is False and by["a/yes"]["sets50"] <= 0.02


def _smoke_model(tmp_path: Path, name: str, ood_changes: dict) -> Path:
    model = tmp_path / name
    model.mkdir()
    shutil.copy(SMOKE / "model.pt", model / "model.pt")
    card = json.loads((SMOKE / "card.json").read_text())
    (model / "card.json").write_text(json.dumps({**card, "ood": {**card["ood"], **ood_changes}}))
    return model


def test_evaluate_reports_flagged_images_and_the_site_check(tmp_path):
    vectors = json.loads((SMOKE / "vectors" / "vectors.json").read_text())
    own = sorted(item["oodScore"] for item in vectors["items"])
    percentile = json.loads((SMOKE / "card.json").read_text())["ood"]["percentile"]
    # 120 validation scores far below every image (a new site), the threshold their percentile.
    low = np.linspace(0, own[0] / 2, 120).tolist()
    model = _smoke_model(tmp_path, "model", {"validationScores": {"smoke/no": low},
                                             "threshold": float(np.percentile(low, percentile))})
    data = tmp_path / "data" / "yes"
    data.mkdir(parents=True)
    for copy in range(3):
        for item in vectors["items"]:
            shutil.copy(SMOKE / "vectors" / item["image"], data / f"{copy}-{item['image']}")
    logged = []
    out = evaluate_folder(model, data.parent, log=logged.append)["outOfDistribution"]
    assert out["n"] == 15 and out["flagged"] == 15  # every image is above a threshold below all of them
    assert out["siteCheck"]["strata"][0]["auroc"] == 1.0 and out["siteCheck"]["unlikeTraining"] is True
    assert any("as a set" in line for line in logged) and any("15 of 15" in line for line in logged)
    # Without validation scores: the count, no site check; without OOD statistics: nothing.
    assert out_of_distribution(np.ones((3, 2)), {"method": "gap-diagonal-mahalanobis", "mean": [1, 1], "var": [1, 1],
                                                 "threshold": 0.5}, log=logged.append)["siteCheck"] is None
    assert out_of_distribution(np.ones((3, 2)), None) is None


def test_a_card_with_bad_validation_scores_is_refused_before_the_run(tmp_path):
    percentile = json.loads((SMOKE / "card.json").read_text())["ood"]["percentile"]
    ok = np.linspace(0, 1, 120).tolist()
    threshold = float(np.percentile(ok, percentile))
    cases = {
        "descending": ({"s/no": ok[::-1]}, threshold, "ascending"),
        "no stratum of 100": ({"s/no": ok[:60], "s/yes": ok[60:]}, threshold, "no stratum has 100"),
        "negative": ({"s/no": [-1.0] + ok[1:]}, threshold, "minimum|>= 0"),
        "a threshold that is not their percentile": ({"s/no": ok}, threshold * 2, "is not the 99.0th percentile"),
        "not numbers": ({"s/no": ["1"] * 120}, threshold, "number"),
        "a list, not strata": (ok, threshold, "object"),
        "an empty stratum": ({"s/no": ok, "s/yes": []}, threshold, "non-empty|too short|should be non-empty"),
    }
    data = tmp_path / "data" / "yes"
    data.mkdir(parents=True)
    shutil.copy(SMOKE / "vectors" / "v0.png", data / "v0.png")
    for name, (scores_, thr, why) in cases.items():
        model = _smoke_model(tmp_path, name.replace(" ", "-"), {"validationScores": scores_, "threshold": thr})
        with pytest.raises(CardError, match=why):
            evaluate_folder(model, data.parent, log=lambda m: None, predictions=tmp_path / f"{name}.csv")
        assert not (tmp_path / f"{name}.csv").exists(), name  # refused before anything was written
    # NaN is not JSON: refused too, where Python's json would read it.
    model = _smoke_model(tmp_path, "nan", {"validationScores": {"s/no": [float("nan")] * 120}})
    with pytest.raises(CardError, match="NaN is not JSON"):
        evaluate_folder(model, data.parent, log=lambda m: None)
