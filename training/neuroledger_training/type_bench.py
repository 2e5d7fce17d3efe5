"""The type task's bench (issue 15): the model's K-class figures on the held-out test side, tumors
without a type, leave-one-source-out notes, localisation; written as bench/type/type.{json,md}."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

# Targets of issue 15 on the held-out test side of the type task's sources.
TARGETS = {"macroF1": 0.95, "minRecall": 0.93}


def _pct(x):
    return None if x is None else round(100 * x, 2)


def type_bench_table(card: dict, timing: dict, sources: list[str], residual: dict, untyped: dict | None,
                     in_source_localization: dict | None, kfold: dict | None = None) -> dict:
    """The bench as JSON: test and validation metrics (macro and per class, confusion), per source,
    tumors without a type (share called any tumor), leave-one-source-out entries as in the card,
    localisation (true type's and predicted class's maps), timing, and whether the targets are met."""
    m = card["metrics"]
    test = m["test"]
    min_recall = min(c["recall"] for c in test["perClass"].values())
    return {
        "schema": "neuroledger.bench-type/1",
        "task": card["task"],
        "createdAt": card["createdAt"],
        "dataset": "+".join(sources),
        "labels": card["labels"],
        "data": {k: card["data"][k] for k in ("fingerprint", "files", "unreadable", "classes")},
        "split": {side: card["data"]["split"][side] for side in ("train", "validation", "test")},
        "dedupGroups": card["data"]["dedup"]["groups"],
        "residualNearMatches": residual,
        "test": test,
        "validation": m["validation"],
        "bySource": m["bySource"],
        "untypedTumorsTest": untyped,
        "leaveOneSourceOut": m["leaveOneSourceOut"],
        "localization": in_source_localization,
        "kfold": kfold,
        "targets": {**TARGETS, "macroF1Reached": test["f1"] >= TARGETS["macroF1"], "minRecall": min_recall,
                    "minRecallTarget": TARGETS["minRecall"], "minRecallReached": min_recall >= TARGETS["minRecall"]},
        "model": {"architecture": card["architecture"], "hyperparameters": card["hyperparameters"],
                  "onnxSha256": card["onnx"]["sha256"], "code": card["code"]},
        "timing": timing,
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads(),
                    "processor": platform.processor() or platform.machine()},
    }


def type_markdown(t: dict) -> str:
    test = t["test"]
    lines = [f"# Type task bench ({t['task']}, {t['dataset']}, {t['createdAt']})", "",
             "| class | precision | recall | F1 | AUC (one vs rest) | support |", "|---|---|---|---|---|---|"]
    for label, c in test["perClass"].items():
        lines.append(f"| {label} | {_pct(c['precision'])} | {_pct(c['recall'])} | {_pct(c['f1'])} | {_pct(c['auc'])} | {c['support']} |")
    lines.append(f"| **macro** | {_pct(test['precision'])} | {_pct(test['recall'])} | **{_pct(test['f1'])}** | {_pct(test['auc'])} | {test['n']} |")
    lines += ["", f"Accuracy {_pct(test['accuracy'])} %, macro specificity {_pct(test['specificity'])} %.", "",
              "Confusion (rows true, columns predicted, " + ", ".join(t["labels"]) + "):", ""]
    lines += ["| | " + " | ".join(t["labels"]) + " |", "|---|" + "---|" * len(t["labels"])]
    lines += [f"| {label} | " + " | ".join(str(v) for v in row) + " |" for label, row in zip(t["labels"], test["confusion"])]
    for name, u in (t["untypedTumorsTest"] or {}).items():
        lines += ["", f"{name} tumors without a type (test side): {u['calledTumor']} of {u['n']} called a tumor ({_pct(u['share'])} %)."]
    for e in t["leaveOneSourceOut"]:
        figure = "metrics null: " + e["note"] if e["metrics"] is None else f"macro F1 {_pct(e['metrics']['f1'])} %"
        lines.append(f"- leave-one-source-out, {e['heldOut']} held out: {figure}")
    loc = t["localization"] or {}
    if loc.get("n"):
        pred = loc.get("predictedClass") or {}
        lines.append(f"- pointing game on typed test images with boxes (n {loc['n']}): true type's map {_pct(loc['pointingGame'])} %, "
                     f"predicted class's map {_pct(pred.get('pointingGame'))} %; heat in box {_pct(loc['heatInBox'])} %")
    g = t["targets"]
    lines.append(f"- targets: macro F1 >= {g['macroF1']} ({'reached' if g['macroF1Reached'] else 'not reached'}), every recall >= "
                 f"{g['minRecallTarget']} (lowest {g['minRecall']:.4f}: {'reached' if g['minRecallReached'] else 'not reached'})")
    cal = t.get("calibration")
    if cal:
        before = cal["uncalibratedTest"]
        lines += ["", f"Calibrated: no-logit offset b = {cal['noLogitOffset']} chosen on {cal['chosenOn']} (criterion "
                  f"{cal['validationCriterion']['before']:.4f} -> {cal['validationCriterion']['after']:.4f}); test side before -> after:", "",
                  "| | " + " | ".join(f"{label} recall" for label in t["labels"]) + " | macro F1 | accuracy |",
                  "|---|" + "---|" * (len(t["labels"]) + 2)]
        for name, m in (("uncalibrated", before), ("calibrated", test)):
            lines.append(f"| {name} | " + " | ".join(str(_pct(m["perClass"][label]["recall"])) for label in t["labels"])
                         + f" | {_pct(m['f1'])} | {_pct(m['accuracy'])} |")
        lines.append("")
    tm = t["timing"]
    lines.append(f"- timing: {tm['epochsRun']} epochs (best {tm['bestEpoch']}), {tm['secondsPerEpoch']} s/epoch, stopped by {tm['stoppedBy']}")
    return "\n".join(lines) + "\n"


def write_type_bench(table: dict, out_dir: Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "type.json").write_text(json.dumps(table, indent=2) + "\n")
    (out_dir / "type.md").write_text(type_markdown(table))
