"""Table I of the paper beside this model, trained with the defaults on the group split."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

# The paper's Table I, as quoted in issue 3 (percent).
PAPER_ROWS = [
    {"model": "FastAI", "accuracy": 95.78, "precision": None, "recall": None, "f1": None},
    {"model": "Xception", "accuracy": 97.8, "precision": None, "recall": None, "f1": None},
    {"model": "ResNet50", "accuracy": 97.6, "precision": None, "recall": None, "f1": None},
    {"model": "FastAI", "accuracy": 98.8, "precision": None, "recall": None, "f1": None},
    {"model": "Paper CNN (reported)", "accuracy": 99.3, "precision": 99.5, "recall": 99.5, "f1": 99.2},
]


def _pct(x):
    return None if x is None else round(100 * x, 2)


def _fmt(x):
    return "–" if x is None else f"{x:.2f}"


def _row(model: str, m: dict, source: str = "measured") -> dict:
    return {"model": model, "accuracy": _pct(m["accuracy"]), "precision": _pct(m["precision"]), "recall": _pct(m["recall"]),
            "f1": _pct(m["f1"]), "auc": _pct(m["auc"]), "n": m["n"], "source": source}


def bench_table(card: dict, timing: dict, kfold: dict | None, dataset, residual: dict, loso: dict | None = None,
                in_source_localization: dict | None = None, paper: dict | None = None,
                validation_localization: dict | None = None, tumor_removal: dict | None = None,
                in_source_site_check: dict | None = None, source_readability: dict | None = None) -> dict:
    """The bench as JSON: Table I rows (paper as reported, this model, the paper CNN on our split),
    per-source test rows, leave-one-source-out, localisation and OOD figures."""
    rows = [dict(r, source="paper (reported)") for r in PAPER_ROWS]
    model_name = "This CNN" if card["architecture"]["name"].startswith("paper") else "Residual CNN (demo)"
    for side in ("test", "validation"):
        m = card["metrics"][side]
        rows.append(
            {
                "model": f"{model_name} ({side}, group split)",
                "accuracy": _pct(m["accuracy"]),
                "precision": _pct(m["precision"]),
                "recall": _pct(m["recall"]),
                "f1": _pct(m["f1"]),
                "auc": _pct(m["auc"]),
                "n": m["n"],
                "source": "measured",
            }
        )
    out = {
        "schema": "neuroledger.bench-table1/1",
        "createdAt": card["createdAt"],
        "dataset": dataset if isinstance(dataset, str) else "+".join(dataset),
        "data": {k: card["data"][k] for k in ("fingerprint", "files", "unreadable", "classes")},
        "dedupGroups": card["data"]["dedup"]["groups"],
        "residualNearMatches": residual,
        "split": {k: card["data"]["split"][k] for k in ("train", "validation", "test")},
        "architecture": card["architecture"],
        "hyperparameters": card["hyperparameters"],
        "rows": rows,
        "timing": timing,
        "machine": {"threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(), "processor": platform.machine()},
    }
    for name, m in card["metrics"].get("bySource", {}).items():
        rows.append(_row(f"{model_name} (test, {name} only)", m))
    if paper:
        for side in ("test", "validation"):
            rows.append(_row(f"Paper CNN on our split ({side})", paper[side]))
        for name, m in paper.get("bySource", {}).items():
            rows.append(_row(f"Paper CNN on our split (test, {name} only)", m))
        out_paper = {k: paper[k] for k in ("epochsRun", "bestEpoch", "secondsPerEpoch", "architecture") if k in paper}
        rep = PAPER_ROWS[-1]
        out_paper["gapToPaper"] = {k: round(rep[k] - _pct(paper["test"][k]), 2) for k in ("accuracy", "precision", "recall", "f1")}
    if card.get("schema", "").endswith("/2"):
        out["leaveOneSourceOut"] = card["metrics"]["leaveOneSourceOut"]
        out["leaveOneSourceOutDetails"] = loso or {}
        out["localization"] = {"card": card["localization"], "inSourceTest": in_source_localization,
                               "validation": validation_localization}
        out["tumorRemoval"] = {**(tumor_removal or {}),
                               "heldOut": {name: d["tumorRemoval"] for name, d in (loso or {}).items() if d.get("tumorRemoval")}}
        out["sourceReadability"] = source_readability
        out["ood"] = {k: card["ood"][k] for k in ("method", "threshold", "percentile", "heldOutAuroc")}
        out["ood"]["inSourceSiteCheck"] = in_source_site_check
        out["sources"] = card["data"]["sources"]
    out["rows"] = rows
    if paper:
        out["paperCnn"] = out_paper
    if kfold:
        out["kfold"] = {"k": kfold["k"], "summary": {k: {"mean": _pct(v["mean"]), "sd": _pct(v["sd"])} for k, v in kfold["summary"].items()}, "folds": kfold["folds"]}
    return out


def table_markdown(table: dict) -> str:
    lines = [
        "# Table I reproduced",
        "",
        f"Data: {table['dataset']}, {sum(table['data']['classes'].values())} readable images, {table['dedupGroups']} near-duplicate groups. "
        + "Split by group: " + ", ".join(f"{k} {v['n']} ({v['groups']} groups)" for k, v in table["split"].items()) + ".",
        "",
        "| model | accuracy % | precision % | recall % | F1 % | AUC % | n | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table["rows"]:
        lines.append(
            f"| {r['model']} | {_fmt(r['accuracy'])} | {_fmt(r['precision'])} | {_fmt(r['recall'])} | {_fmt(r['f1'])} | "
            f"{_fmt(r.get('auc'))} | {r.get('n', '–')} | {r['source']} |"
        )
    if "kfold" in table:
        s = table["kfold"]["summary"]
        lines += ["", f"{table['kfold']['k']}-fold group cross-validation (test folds), mean ± sd: "
                  + ", ".join(f"{k} {v['mean']:.2f} ± {v['sd']:.2f}" for k, v in s.items())]
    r = table["residualNearMatches"]
    lines += [
        "",
        f"Residual check: of {table['split']['test']['n']} test images, {r['testWithTrainMatchAtLeast0.9']} have a training "
        f"image whose 32x32 thumbnail correlation is >= 0.90 ({r['testWithTrainMatchAtLeast0.85']} at >= 0.85); "
        "the grouping joins pairs from 0.93 (or 0.90 with agreeing hashes), so some of these may be processed "
        "copies of one slice that escaped it.",
    ]
    lines += _v2_markdown(table)
    t = table["timing"]
    lines += [
        "",
        (f"Timing on {t['device']} (the fits were trained there; everything else here)" if t.get("device", "cpu") != "cpu"
         # The fit's own thread count: a fit loaded with --fitted-dir ran with its own, not this run's.
         else f"Timing on this machine ({_threads(t.get('threads'))})") + f": {t['secondsPerEpoch']:.1f} s per training epoch, "
        f"{t['trainImagesPerSecond']:.1f} training images/s, {t['epochsRun']} epochs (best {t['bestEpoch']}), "
        f"{t['wallSeconds']:.0f} s wall for the whole fit (stopped by {t['stoppedBy']}).",
        "",
        "The paper's rows are as reported there (its split is not known to be free of near-duplicates); ours keep "
        "every near-duplicate group on one side, so copies of a slice cannot leak from training into test.",
        "",
    ]
    return "\n".join(lines)


def _f(x, pct: bool = True) -> str:
    return "–" if x is None else (f"{100 * x:.1f}" if pct else f"{x:.3f}")


def _threads(n: int | None) -> str:
    return "threads not recorded with the fit" if not n else f"{n} thread" + ("s" if n != 1 else "")


def _v2_markdown(table: dict) -> list[str]:
    if "leaveOneSourceOut" not in table:
        return []
    lines = ["", "## Leave-one-source-out", "",
             "| held out | trained on | sensitivity % (held out) | specificity % (in-source no-tumor test) | pointing game % | heat in box % | OOD AUROC | note |",
             "|---|---|---|---|---|---|---|---|"]
    details = table.get("leaveOneSourceOutDetails", {})
    for e in table["leaveOneSourceOut"]:
        d = details.get(e["heldOut"], {})
        loc = d.get("localization", {})
        lines.append(f"| {e['heldOut']} | {', '.join(e['trainedOn'])} | {_f(e['sensitivity'])} | {_f(e['specificity'])} | "
                     f"{_f(loc.get('pointingGame'))} | {_f(loc.get('heatInBox'))} | {_f(d.get('oodAuroc'), False)} | {e['note']} |")
    for name, d in details.items():
        op = d.get("operatingPoint")
        if op and op.get("cutoff") is not None:
            lines += ["", f"At a cut-off chosen on the in-source validation no-tumor images for {100 * op['specificityTarget']:.0f} % "
                      f"specificity (p(yes) >= {op['cutoff']:.4f}; {_f(op['validationSpecificity'])} % on validation) instead of 0.5: "
                      f"held-out {name} sensitivity {_f(op['heldOutSensitivity'])} %, in-source test specificity {_f(op['inSourceTestSpecificity'])} %."]
    for name, d in details.items():
        if d.get("sensitivityByClass"):
            lines.append("")
            lines.append(f"Sensitivity on held-out {name} by class: " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in d["sensitivityByClass"].items()) + ".")
    loc = table["localization"]
    lines += ["", "## Heatmaps (class activation map of 'yes')", "",
              "| images | n | pointing game % | heat in box % |", "|---|---|---|---|"]
    for entry in (loc["card"], loc["inSourceTest"], loc.get("validation")):
        if entry:
            lines.append(f"| {entry['source']} | {entry['n']} | {_f(entry['pointingGame'])} | {_f(entry['heatInBox'])} |")
    lines += _removal_lines(table.get("tumorRemoval") or {})
    if readable := table.get("sourceReadability"):
        lines += ["", f"Source readability of the tumor images (source_probe.py): AUROC {readable['auroc']:.3f} on {readable['nTest']} "
                  f"test-side tumor images, read-out fitted on {readable['nFit']} validation-side ones (0.5: the source cannot be "
                  "read from the pooled features; 1: perfectly)."]
    o = table["ood"]
    lines += ["", f"Out-of-distribution score ({o['method']}): threshold {o['threshold']:.3f} (the {o['percentile']}th percentile "
              f"of in-source validation scores); AUROC held-out source vs in-source test: {_f(o['heldOutAuroc'], False)}."]
    lines += _in_source_site_lines(o.get("inSourceSiteCheck"))
    for name, d in details.items():
        held = d.get("ood")
        if held:
            alt = held["alternatives"]
            lines += ["", f"OOD scores on the model that never saw {name} (threshold: the 99th percentile of its own validation scores):", "",
                      f"| score | AUROC held-out {name} vs in-source test | flagged: held out % | flagged: in-source test % |",
                      "|---|---|---|---|"]
            for label, m in ((f"card: {held['method']} ({held['prototypes']} prototypes)", held),
                             ("cosine to the prototypes alone", alt["cosineToPrototypes"]),
                             ("gap-mahalanobis alone (earlier cards)", alt["gapMahalanobis"]),
                             ("deep kNN over every training image (k = 1; no card carries it)", alt["deepKnnEveryTrainingImage"])):
                lines.append(f"| {label} | {_f(m['auroc'], False)} | {_f(m.get('flaggedHeldOut'))} | {_f(m.get('flaggedInSourceTest'))} |")
            lines += _site_check_lines(name, held.get("siteCheck"))
    if "paperCnn" in table:
        p = table["paperCnn"]
        lines += ["", f"Paper CNN on our split: {p.get('epochsRun')} epochs (best {p.get('bestEpoch')}), "
                  f"{p.get('secondsPerEpoch', 0):.0f} s per epoch; gap to the paper's reported figures (points): "
                  + ", ".join(f"{k} {v:+.2f}" for k, v in p["gapToPaper"].items()) + "."]
    return lines


def _site_check_lines(name: str, site: dict | None) -> list[str]:
    """The site check's rates over random sets of n images (pipeline.ood_on), its whole-side verdicts,
    and the in-source test's strata one by one."""
    if not site:
        return []
    lines = ["", f"Site check (one-sided Mann-Whitney U of a set's scores against each stratum's validation scores, the "
             f"largest p, alpha {site['alpha']:g}): share of {site['draws']} random sets of n images called unlike the "
             "training data:", "", f"| n | held-out {name} (power) % | in-source test (false alarms) % |", "|---|---|---|"]
    lines += [f"| {row['n']} | {_f(row['heldOut'])} | {_f(row['inSourceTest'])} |" for row in site["bySize"]]
    for label, check in ((f"all of held-out {name}", site["wholeHeldOut"]), ("all of the in-source test", site["wholeInSourceTest"])):
        if check:
            lines += ["", f"{label} (n {check['n']}): p {_p(check['pValue'])} (closest stratum {check['closestStratum']})."]
    if site.get("inSourceTestByStratum"):
        lines += ["", "| in-source test images of one stratum | n | p, the whole stratum | sets of 20 called unlike % | sets of 50 % |",
                  "|---|---|---|---|---|"]
        for row in site["inSourceTestByStratum"]:
            whole = row["whole"] or {}
            lines.append(f"| {row['stratum']} | {whole.get('n')} | {_p(whole.get('pValue'))} | {_f(row['sets20'])} | {_f(row['sets50'])} |")
    return lines


def _in_source_site_lines(site: dict | None) -> list[str]:
    """The card's site check on its own held-back test images, stratum by stratum (false alarms)."""
    if not site:
        return []
    whole = site["wholeTest"] or {}
    lines = ["", f"Site check of this card on its in-source test images: all of them (n {whole.get('n')}) p "
             f"{_p(whole.get('pValue'))}; stratum by stratum:", "",
             "| in-source test images of one stratum | n | p, the whole stratum | sets of 20 called unlike % | sets of 50 % |",
             "|---|---|---|---|---|"]
    for row in site["byStratum"]:
        w = row["whole"] or {}
        lines.append(f"| {row['stratum']} | {w.get('n')} | {_p(w.get('pValue'))} | {_f(row['sets20'])} | {_f(row['sets50'])} |")
    return lines


def _p(p: float | None) -> str:
    return "–" if p is None else f"{p:.3g}"


def write_bench(table: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "table1.json").write_text(json.dumps(table, indent=2) + "\n")
    (out_dir / "table1.md").write_text(table_markdown(table))


def _removal_lines(removal: dict) -> list[str]:
    """The tumor-removal probe (removal.py) as a markdown table: one row per (images, source)."""
    rows = [(f"{side} side (this model)", name, r) for side in ("validation", "test") for name, r in (removal.get(side) or {}).items()]
    rows += [("held out (the model trained without it)", name, r) for name, d in removal.get("heldOut", {}).items() for name, r in d.items()]
    if not rows:
        return []
    lines = ["", "## Tumor-removal probe (share called a tumor: tumor images with boxes as is / tumor filled in / same fill "
             "elsewhere; tumor-free images as is / with the same fill)", "",
             "| images | source | n tumor | as is % | tumor removed % | control fill % (n) | tumor-free: n | as is % | with fill % |",
             "|---|---|---|---|---|---|---|---|---|"]
    for images, name, r in rows:
        t = r.get("tumorFreeFill") or {}
        tumor = (f"{r['n']} | {_f(r['calledTumor'])} | {_f(r['calledTumorTumorRemoved'])} | {_f(r['calledTumorControlFill'])} ({r['nControl']})"
                 if "n" in r else "0 | – | – | –")
        free = f"{t['n']} | {_f(t['calledTumor'])} | {_f(t['calledTumorWithFill'])}" if t else "0 | – | –"
        lines.append(f"| {images} | {name} | {tumor} | {free} |")
    return lines
