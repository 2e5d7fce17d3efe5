"""One training run end to end: sources -> groups -> split -> fit -> metrics -> files in the out folder,
and the leave-one-source-out runs that say how a model does on a source it never saw."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .cache import load_images
from .card import build_card, code_version, write_card
from .counterfactual import correct_prior, prior_offset, relabelled_share
from .dedup import DedupConfig, cross_matches, find_groups
from .export import export_onnx, odd_framing, write_vectors
from .heatmap import image_coords, localization
from .inputs import PreprocSpec, V1Inputs, V2Inputs
from .metrics import binary_metrics, multiclass_metrics, roc_auc
from .model import ModelConfig, save_checkpoint
from .ood import MAHALANOBIS, cosine_distances, ood_section, scores, site_check_rates, site_verdict, stratum_site_checks
from .plots import plot_confusion, plot_curves
from .preprocess_v2 import Region
from .removal import fill_probe, hole_sides, removal_probe
from .source_probe import source_readability
from .sources import Source, fingerprint, load_maps
from .split import Split, group_labels, group_split, kfold_splits
from .tasks import BINARY, NO_TUMOR, UNTYPED_TUMOR, Task
from .train import TrainConfig, TrainResult, balanced_weights, channel_stats, fit, infer

FRACTIONS = (0.70, 0.15, 0.15)
# The card's description of how the type task trains (train.py: tumor_type_loss, type_task_weights, type_validation).
TYPE_TASK_TRAINING = {
    "loss": "cross-entropy of the tumor head (no / yes) on every image + cross-entropy of the type head on the typed images",
    "earlyStoppingMetric": "validation mean of the four class recalls and the share of untyped tumors called a tumor",
    "batchSampling": "balanced: half tumor-free, the tumor half equal among glioma, meningioma, pituitary and untyped tumors, "
                     "sources equal within a label",
}
VECTORS_PER_CLASS = 2


@dataclass
class Dataset:
    """Every readable image of every source, with the cached first half of its preprocessing."""
    sources: list[Source]
    version: int  # preprocessing version
    size: int  # S
    pixels: np.ndarray  # v2: area maps [N, S, S]; v1: bilinear RGB [N, 3, 256, 256]; 0..255
    max_sum: np.ndarray | None  # v2: M per image
    regions: np.ndarray | None  # v2: [N, 3] left, top, size
    labels: np.ndarray  # data label per image (index into task.data_labels)
    source_idx: np.ndarray  # source per image
    groups: np.ndarray  # near-duplicate groups joined with patient groups
    samples: list  # (source index, Sample) per image
    dedup: dict
    task: Task = BINARY  # labels index task.data_labels

    @property
    def strata(self) -> np.ndarray:
        """(source, label) cells: splits are stratified over them. The type task's cells are (source,
        tumor or not), as the binary task's: a patient-wise fold of figshare holds every type, so
        cells per type would have no whole groups; and the split is then the binary task's."""
        if self.task is BINARY:
            return self.source_idx * len(self.task.labels) + self.labels
        return self.source_idx * 2 + self.tumor().astype(np.int64)

    def strata_names(self) -> list[str]:
        names = self.task.labels if self.task is BINARY else (NO_TUMOR, "tumor")
        return [f"{s.name}/{label}" for s in self.sources for label in names]

    def tumor(self, idx=None) -> np.ndarray:
        """Boolean per image (of idx): the image shows a tumor (typed or not)."""
        labels = self.labels if idx is None else self.labels[idx]
        if self.task is BINARY:
            return labels == 1
        return labels != self.task.data_labels.index(NO_TUMOR)

    def labelled(self, idx: np.ndarray) -> np.ndarray:
        """The images of idx that carry one of the task's output labels (the type task's untyped tumors do not)."""
        return idx[self.labels[idx] < self.task.k]

    def boxes(self, i: int) -> list:
        src, sample = self.samples[i]
        return self.sources[src].boxes.get(sample.relpath, [])

    def region(self, i: int) -> Region:
        left, top, size = (int(v) for v in self.regions[i])
        return Region(left, top, size)

    def image_size(self, i: int) -> tuple[int, int]:
        return int(self.sizes[i, 0]), int(self.sizes[i, 1])

    def box_masks(self) -> np.ndarray | None:
        """uint8 [N, S, S] (v2): 1 where an input pixel's centre maps inside one of the image's tumor
        boxes (the same rule as the card's heat-in-box); None when no image has a box."""
        if self.version != 2:
            return None
        if getattr(self, "_box_masks", None) is None:
            if not any(self.boxes(i) for i in range(len(self.labels))):
                return None
            masks = np.zeros((len(self.labels), self.size, self.size), dtype=np.uint8)
            for i in range(len(self.labels)):
                boxes = self.boxes(i)
                if not boxes:
                    continue
                xs, ys = image_coords(self.region(i), self.size)
                for x0, y0, x1, y1 in boxes:
                    masks[i] |= (((ys >= y0) & (ys <= y1))[:, None] & ((xs >= x0) & (xs <= x1))[None, :]).astype(np.uint8)
            self._box_masks = masks
        return self._box_masks

    def source_names(self, idx=None) -> list[str]:
        present = np.unique(self.source_idx if idx is None else self.source_idx[idx])
        return [self.sources[s].name for s in present]


class Logger:
    """Prints and appends to a log file, so a long run can be followed with `tail -f`."""

    def __init__(self, path: Path | None = None, echo=print):
        self.path, self.echo = path, echo
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text("")

    def __call__(self, message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        self.echo(line)
        if self.path:
            with open(self.path, "a") as fh:
                fh.write(line + "\n")


def display_path(path: Path) -> str:
    """A path for logs that may be committed: relative to the repository root where possible."""
    repo = Path(__file__).resolve().parents[2]
    try:
        return os.path.relpath(Path(path).resolve(), repo)
    except ValueError:
        return str(path)


def _union(groups: np.ndarray, keys: list) -> np.ndarray:
    """Join groups that share a key (None: no key); renumber 0..G-1 in order of first appearance."""
    parent = list(range(int(groups.max()) + 1))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    first: dict = {}
    for g, key in zip(groups.tolist(), keys):
        if key is None:
            continue
        if key in first:
            ra, rb = root(first[key]), root(g)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        else:
            first[key] = g
    roots = np.array([root(g) for g in groups.tolist()])
    _, first_idx, inverse = np.unique(roots, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_idx))
    return order[inverse].astype(np.int64)


def prepare(sources: list[Source], version: int, size: int, cache_dir: Path | None, dedup_cfg: DedupConfig, log) -> Dataset:
    """Decode (or read from the cache) every source, group near-duplicates across all sources and
    join images of one patient (where a source has patient ids or patient-wise folds)."""
    pixels, max_sum, regions, sizes, labels, source_idx, samples = [], [], [], [], [], [], []
    for k, src in enumerate(sources):
        log(f"source {src.name}: {src.listing.files} files in {src.listing.labels} under {display_path(src.listing.root)} "
            f"(mapping {src.mapping}; boxes/patients from {src.annotations or 'none'})")
        if version == 2:
            maps = load_maps(src.listing, size, cache_dir, log)
            pixels.append(np.asarray(maps.grey))
            max_sum.append(maps.max_sum)
            regions.append(maps.regions)
            sizes.append(maps.sizes)
        else:
            pixels.append(np.asarray(load_images(src.listing, cache_dir, log)))
            sizes.append(np.zeros((len(src.listing.samples), 2), dtype=np.int64))
        for sample in src.listing.samples:
            labels.append(src.task_label(sample))
            source_idx.append(k)
            samples.append((k, sample))
    px = np.concatenate(pixels)
    labels_a, source_a = np.array(labels, dtype=np.int64), np.array(source_idx, dtype=np.int64)
    t0 = time.monotonic()
    groups = find_groups(px[:, None] if version == 2 else px, dedup_cfg)
    n_dedup = int(groups.max()) + 1
    # Where a source has patient ids or patient-wise folds, they are the groups: near-duplicate
    # links inside such a source (the same slice re-encoded is one patient anyway, and a few similar
    # slices of different patients would chain every fold into one) are not used there.
    patient_keys = [sources[k].patients.get(s.relpath) for k, s in samples]
    offset = int(groups.max()) + 1
    fold_ids: dict = {}
    for i, ((k, _), key) in enumerate(zip(samples, patient_keys)):
        if sources[k].patients:
            groups[i] = offset + fold_ids.setdefault((k, key), len(fold_ids))
    groups = _union(groups, [None] * len(groups))
    sizes_g = np.bincount(groups)
    _, mixed = group_labels(labels_a, groups)
    cross = int(sum(len(np.unique(source_a[groups == g])) > 1 for g in np.nonzero(sizes_g > 1)[0]))
    dedup = {
        **dedup_cfg.describe(),
        "groups": int(len(sizes_g)),
        "nearDuplicateGroups": n_dedup,
        "patientGrouping": {src.name: ("cv_fold" if src.patients else "none") for src in sources},
        "duplicates": int(sizes_g[sizes_g > 1].sum()),
        "largestGroup": int(sizes_g.max()),
        "mixedLabelGroups": mixed,
        "crossSourceGroups": cross,
    }
    log(f"de-duplication: {len(labels_a)} readable images -> {n_dedup} near-duplicate groups, {dedup['groups']} after joining "
        f"patients ({mixed} mixing labels, {cross} spanning sources; {time.monotonic() - t0:.1f} s)")
    ds = Dataset(sources, version, size, px, np.concatenate(max_sum) if version == 2 else None,
                 np.concatenate(regions) if version == 2 else None, labels_a, source_a, groups, samples, dedup,
                 sources[0].task if sources else BINARY)
    ds.sizes = np.concatenate(sizes)
    return ds


def make_inputs(ds: Dataset, train_idx: np.ndarray, train_cfg: TrainConfig) -> tuple[PreprocSpec, V1Inputs | V2Inputs]:
    if ds.version == 2:
        spec = PreprocSpec(2, ds.size)
        boxes = ds.box_masks() if train_cfg.localization_weight > 0 or train_cfg.counterfactual > 0 else None
        return spec, V2Inputs(ds.pixels, ds.max_sum, spec.clip, train_cfg.augment, boxes=boxes, device=train_cfg.device)
    mean, std = channel_stats(ds.pixels, train_idx)
    return PreprocSpec(1, ds.size, tuple(mean), tuple(std)), V1Inputs(ds.pixels, mean, std, train_cfg.augment)


def localization_on(model, ds: Dataset, inputs, idx: np.ndarray, source: str, predicted: bool = False) -> dict:
    """Pointing game and heat-in-box on the tumor images of idx that have boxes (v2 models): the
    binary task's 'yes' map; the type task's map of the image's true type (typed images only), or,
    `predicted`, of the class the model predicts (the heatmap a reader is shown)."""
    binary = ds.task is BINARY
    idx = np.array([i for i in idx if (ds.labels[i] == 1 if binary else ds.tumor()[i] and ds.labels[i] < ds.task.k) and ds.boxes(i)],
                   dtype=np.int64)
    if len(idx) == 0 or ds.version != 2:
        return {"method": "cam", "pointingGame": None, "heatInBox": None, "n": 0, "source": source}
    out = infer(model, inputs, idx, with_cam=True)
    hits, heat = [], []
    for i, cam, p in zip(idx, out["cam"], out["prob"]):
        w, h = ds.image_size(i)
        k = 1 if binary else int(p.argmax() if predicted else ds.labels[i])
        hit, frac = localization(torch.from_numpy(cam), k, ds.region(i), ds.size, w, h, ds.boxes(i))
        hits.append(hit)
        heat.append(frac)
    return {"method": "cam", "pointingGame": float(np.mean(hits)), "heatInBox": float(np.mean(heat)), "n": int(len(idx)), "source": source}


def removal_on(model, ds: Dataset, inputs, idx: np.ndarray) -> dict:
    """The tumor-removal probe (removal.py) on the tumor images of idx that have boxes, per source
    (binary v2 models; {} otherwise)."""
    if ds.task is not BINARY or ds.version != 2 or getattr(model, "planned_only", False):
        return {}
    masks = ds.box_masks()
    if masks is None:
        return {}
    out = {}
    boxed = np.array([i for i in idx if ds.labels[i] == 1 and ds.boxes(i)], dtype=np.int64)
    sides = hole_sides(masks, boxed)
    for k, src in enumerate(ds.sources):
        sel = boxed[ds.source_idx[boxed] == k]
        if len(sel):
            out[src.name] = removal_probe(model, inputs.maps, ds.max_sum, masks, sel, inputs.clip)
        free = np.array([i for i in idx if ds.source_idx[i] == k and ds.labels[i] == 0], dtype=np.int64)
        if len(free) and sides:
            out.setdefault(src.name, {})["tumorFreeFill"] = fill_probe(model, inputs.maps, ds.max_sum, free, sides, inputs.clip)
    return out


def source_readability_on(ds: Dataset, out: dict, split: Split) -> dict | None:
    """source_probe.source_readability of the tumor images: read-out fitted on validation, AUROC on test
    (out: infer per side, with pooled features); None without two sources of tumors."""
    sides = {}
    for side in ("validation", "test"):
        idx = split.side(side)
        tumor = ds.tumor(idx)
        sides[side] = (out[side]["pooled"][tumor], ds.source_idx[idx][tumor])
    return source_readability(*sides["validation"], *sides["test"])


def _metrics(ds: Dataset, out: dict, idx: np.ndarray) -> dict:
    """The task's metrics of `out` (infer over idx): binary, or K-class on the images with an output label."""
    if ds.task is BINARY:
        return binary_metrics(ds.labels[idx], out["prob"][:, 1])
    keep = ds.labels[idx] < ds.task.k
    return multiclass_metrics(ds.labels[idx][keep], out["prob"][keep], list(ds.task.labels))


def untyped_detection(ds: Dataset, out: dict, idx: np.ndarray) -> dict:
    """Type task: of the tumor images of idx without a type, the share predicted as any tumor class."""
    sel = ds.labels[idx] == ds.task.data_labels.index(UNTYPED_TUMOR)
    no = ds.task.labels.index(NO_TUMOR)
    n = int(sel.sum())
    called = int((out["prob"][sel].argmax(1) != no).sum()) if n else 0
    return {"n": n, "calledTumor": called, "share": called / n if n else None}


def fit_on(ds: Dataset, train_idx, val_idx, model_cfg: ModelConfig, train_cfg: TrainConfig, log) -> tuple[TrainResult, PreprocSpec, object]:
    spec, inputs = make_inputs(ds, train_idx, train_cfg)
    log(f"preprocessing v{spec.version}, S = {spec.size}; training sources {ds.source_names(train_idx)}")
    if train_cfg.source_adversary > 0 and len(np.unique(ds.source_idx[train_idx][ds.tumor(train_idx)])) < 2:
        # Nothing to tell apart (e.g. leave-one-source-out without figshare): the fit is the one without it.
        log("source adversary off for this fit: its tumor images come from one source")
        train_cfg = replace(train_cfg, source_adversary=0.0)
    result = fit(inputs, ds.labels, train_idx, val_idx, model_cfg, train_cfg, log, sources=ds.source_idx)
    result.train_config = train_cfg
    if train_cfg.counterfactual > 0 and not getattr(result.model, "planned_only", False):
        # Removal relabels some 'yes' draws 'no': undo that shift of the training prior (counterfactual.prior_offset).
        w = balanced_weights(ds.labels, ds.source_idx, train_idx) if train_cfg.balance else np.full(len(train_idx), 1 / len(train_idx))
        share_yes = float(w[ds.labels[train_idx] == 1].sum())
        relabelled = relabelled_share(inputs, ds.labels, train_idx, w)
        offset = prior_offset(train_cfg.counterfactual, share_yes, relabelled)
        correct_prior(result.model, offset)
        result.prior_correction = {"yesShareDrawn": share_yes, "removableShare": relabelled,
                                   "yesShareSeen": share_yes - train_cfg.counterfactual * relabelled, "logitOffset": offset,
                                   "method": "Saerens et al. 2002 prior-shift correction of the 'yes' - 'no' logit, in the head's bias"}
        log(f"counterfactual prior correction: {result.prior_correction}")
    return result, spec, inputs


OPERATING_SPECIFICITY = 0.95  # issue 10's target: held-out sensitivity with >= 95 % in-source specificity


def leave_one_source_out(ds: Dataset, split: Split, model_cfg: ModelConfig, train_cfg: TrainConfig, log) -> tuple[list[dict], dict]:
    """For each source: train on the others' training side, measure on every image of the held-out
    source (sensitivity alone where it only has tumors) beside specificity on the in-source no-tumor
    test images; localisation on its tumor images with boxes; OOD AUROC of held-out vs in-source test."""
    entries, details = [], {}
    for k, src in enumerate(ds.sources):
        others = [s.name for j, s in enumerate(ds.sources) if j != k]
        keep = lambda idx: idx[ds.source_idx[idx] != k]  # noqa: E731
        train_idx, val_idx, test_idx = keep(split.train), keep(split.validation), keep(split.test)
        missing = [ds.task.labels[c] for c in range(ds.task.k) if not (ds.labels[train_idx] == c).any()]
        if not others or missing:
            why = "it is the only source" if not others else (
                f"without it training has no '{missing[0]}' images (it is the only source of that label)")
            entries.append({"heldOut": src.name, "trainedOn": others, "metrics": None, "sensitivity": None, "specificity": None,
                            "note": f"{src.name} cannot be held out: {why}"})
            log(f"leave-one-source-out: {src.name} cannot be held out ({why})")
            continue
        log(f"leave-one-source-out: holding out {src.name}, training on {others}")
        result, spec, inputs = fit_on(ds, train_idx, val_idx, model_cfg, train_cfg, log)
        held = np.nonzero(ds.source_idx == k)[0]
        if ds.task is not BINARY:  # K classes: the task's metrics on the held-out source's labelled images
            labelled = ds.labelled(held)
            m_held = _metrics(ds, infer(result.model, inputs, labelled), labelled) if len(labelled) else None
            entries.append({"heldOut": src.name, "trainedOn": others, "metrics": m_held, "sensitivity": None, "specificity": None,
                            "note": "K-class metrics on the held-out source's images with an output label"})
            continue
        out_held = infer(result.model, inputs, held)
        out_test = infer(result.model, inputs, test_idx)
        m_held = _metrics(ds, out_held, held)
        has = {c: bool((ds.labels[held] == c).any()) for c in (0, 1)}
        in_neg = test_idx[ds.labels[test_idx] == 0]
        spec_in = float((out_test["prob"][ds.labels[test_idx] == 0, 1] < 0.5).mean()) if len(in_neg) else None
        sens = float((out_held["prob"][ds.labels[held] == 1, 1] >= 0.5).mean()) if has[1] else None
        out_val = infer(result.model, inputs, val_idx)
        ood = ood_on(infer(result.model, inputs, train_idx)["pooled"], out_val["pooled"], out_held["pooled"], out_test["pooled"],
                     strata_of(ds, val_idx), strata_of(ds, test_idx))
        auroc = ood["auroc"]
        point = operating_point(out_val["prob"][ds.labels[val_idx] == 0, 1], out_held["prob"][ds.labels[held] == 1, 1],
                                out_test["prob"][ds.labels[test_idx] == 0, 1])
        loc = localization_on(result.model, ds, inputs, held, f"{src.name} (held out)")
        by_class = {}
        if len(src.listing.labels) > 1:
            for c, folder in enumerate(src.listing.labels):
                sel = np.array([src.listing.labels[ds.samples[i][1].label] == folder for i in held])
                if sel.any() and src.mapping[folder] == "yes":
                    by_class[folder] = float((out_held["prob"][sel, 1] >= 0.5).mean())
        note = ("held-out source has tumor images only: sensitivity on it; specificity on the in-source no-tumor test images"
                if not has[0] else "both classes in the held-out source: metrics on it; specificity also on the in-source test")
        entries.append({"heldOut": src.name, "trainedOn": others, "metrics": m_held, "sensitivity": sens,
                        "specificity": spec_in if not has[0] else float(m_held["confusion"][0][0] / max(1, sum(m_held["confusion"][0]))),
                        "note": note})
        removal = removal_on(result.model, ds, inputs, held)
        details_extra = {"priorCorrection": result.prior_correction} if result.prior_correction else {}
        log(f"leave-one-source-out {src.name}: tumor-removal probe {removal}")
        details[src.name] = {"localization": loc, "oodAuroc": auroc, "ood": ood, "operatingPoint": point, "sensitivityByClass": by_class, "tumorRemoval": removal,
                             "inSourceTest": _metrics(ds, out_test, test_idx), "inSourceSpecificity": spec_in,
                             "epochsRun": result.epochs_run, "bestEpoch": result.best_epoch, **details_extra}
        log(f"leave-one-source-out {src.name}: sensitivity {sens}, in-source specificity {spec_in}, by class {by_class}, "
            f"pointing game {loc['pointingGame']} (n {loc['n']}), heat in box {loc['heatInBox']}, OOD {ood}")
    return entries, details


def operating_point(p_val_negatives: np.ndarray, p_held_tumors: np.ndarray, p_test_negatives: np.ndarray,
                    specificity: float = OPERATING_SPECIFICITY) -> dict:
    """The issue's target asks for held-out sensitivity at >= 95 % in-source specificity; the 0.5
    cut-off of p(yes) is one point on that curve. This is the other, chosen on the in-source
    VALIDATION no-tumor images only: the smallest cut-off at which `specificity` of them score below
    it. Returns the cut-off, the specificity it reaches on validation, the held-out tumors'
    sensitivity and the in-source test no-tumor specificity at it (None where a side is empty)."""
    p_val = np.sort(np.asarray(p_val_negatives, dtype=np.float64))
    if not len(p_val):
        return {"specificityTarget": specificity, "cutoff": None, "validationSpecificity": None,
                "heldOutSensitivity": None, "inSourceTestSpecificity": None}
    # The k-th smallest validation negative with k = ceil(specificity * n): at a cut-off just above
    # it, k of n negatives (>= specificity) score below.
    k = int(np.ceil(specificity * len(p_val)))
    cutoff = float(np.nextafter(p_val[k - 1], np.inf))
    share = lambda p, below: float((np.asarray(p) < cutoff).mean() if below else (np.asarray(p) >= cutoff).mean()) if len(p) else None  # noqa: E731
    return {"specificityTarget": specificity, "cutoff": cutoff, "validationSpecificity": share(p_val, True),
            "heldOutSensitivity": share(p_held_tumors, False), "inSourceTestSpecificity": share(p_test_negatives, True)}


def strata_of(ds: Dataset, idx: np.ndarray) -> list[str]:
    """"<source>/<label>" of each image (the label as the data has it): the strata of the card's
    validation scores (docs/interfaces.md section 1, site check)."""
    return [f"{ds.sources[ds.source_idx[i]].name}/{ds.task.data_labels[ds.labels[i]]}" for i in idx]


def ood_on(g_train: np.ndarray, g_val: np.ndarray, g_held: np.ndarray, g_test: np.ndarray,
           val_strata: list[str] | None = None, test_strata: list[str] | None = None) -> dict:
    """How the card's OOD score (statistics from g_train, scales and threshold from g_val, as a card
    would have them) separates a held-out source g_held from the in-source test g_test: AUROC, and
    the share of each the warning flags; `siteCheck`: how often the site check over n images calls
    a set of each side unlike the training data (site_check_rates). `alternatives`: the same for each part alone at its own
    scale (the cosine to the prototypes; the Mahalanobis score of earlier cards), and the AUROC of
    deep kNN over every training image (k = 1, cosine), which no card carries."""
    section = ood_section(g_train, g_val, None, strata=val_strata)
    truth = np.r_[np.ones(len(g_held)), np.zeros(len(g_test))]

    def measured(score, threshold: float | None) -> dict:
        s_held, s_test = score(g_held), score(g_test)
        out = {"auroc": roc_auc(truth, np.r_[s_held, s_test])}
        if threshold is not None:
            out |= {"flaggedHeldOut": float((s_held > threshold).mean()), "flaggedInSourceTest": float((s_test > threshold).mean())}
        return out

    # The card's own mean and precision are the Mahalanobis statistics of earlier cards: no second fit.
    protos, maha = np.array(section["prototypes"]), {**section, "method": MAHALANOBIS}
    return {"method": section["method"], **measured(lambda g: scores(g, section), section["threshold"]),
            "prototypes": len(protos),
            # None where the card would carry no validation scores (fewer than SITE_MIN_VALIDATION).
            "siteCheck": site_check_rates(scores(g_held, section), scores(g_test, section), section["validationScores"], test_strata)
            if "validationScores" in section else None,
            "alternatives": {
                "cosineToPrototypes": measured(lambda g: cosine_distances(g, protos), section["cosineScale"]),
                "gapMahalanobis": measured(lambda g: scores(g, maha), section["mahalanobisScale"]),
                "deepKnnEveryTrainingImage": measured(lambda g: cosine_distances(g, g_train), None)}}


def test_examples(ds: Dataset, split: Split, per_class: int, source: int | None = None) -> list[int]:
    """The first `per_class` test-side images of each label (of one source, when given)."""
    picks = []
    for c in range(len(ds.task.data_labels)):
        idx = [i for i in split.test if ds.labels[i] == c and (source is None or ds.source_idx[i] == source)][:per_class]
        picks += idx
    return picks


def vector_examples(ds: Dataset, split: Split) -> list[int]:
    """Test-side images for the parity vectors: per label, one of each source that has it, then the
    first ones, up to VECTORS_PER_CLASS per label (at least one per source)."""
    picks = []
    for c in range(len(ds.task.data_labels)):
        per_label = []
        for k in range(len(ds.sources)):
            first = [i for i in split.test if ds.labels[i] == c and ds.source_idx[i] == k][:1]
            per_label += first
        rest = [i for i in split.test if ds.labels[i] == c and i not in per_label]
        picks += (per_label + rest)[: max(VECTORS_PER_CLASS, len(per_label))]
    return picks


def split_of(ds: Dataset, seed: int, log) -> tuple[Split, dict, dict]:
    """The run's group split (deterministic by seed), its sides as the card describes them (with
    counts per source) and the residual near-match check of the test side against training."""
    split = group_split(ds.strata, ds.groups, ds.strata_names(), FRACTIONS, seed=seed)
    sides = split.describe(ds.labels, ds.groups, list(ds.task.data_labels))
    for side in sides:
        idx = split.side(side)
        sides[side]["bySource"] = {s.name: int((ds.source_idx[idx] == k).sum()) for k, s in enumerate(ds.sources)}
    px = ds.pixels[:, None] if ds.version == 2 else ds.pixels
    residual = {f"testWithTrainMatchAtLeast{t}": cross_matches(px, split.test, split.train, t) for t in (0.85, 0.90)}
    log(f"residual check: test images with a training image of thumbnail correlation >= 0.85 / 0.90: {list(residual.values())}")
    log("split (by group): " + ", ".join(f"{k} {v['n']} images / {v['groups']} groups {v['classes']} {v['bySource']}" for k, v in sides.items()))
    return split, sides, residual


def train_and_write(
    ds: Dataset,
    out_dir: Path,
    *,
    name: str,
    version: str,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    split_seed: int,
    log,
    loso: bool = False,
    loso_train_cfg: TrainConfig | None = None,
) -> dict:
    """Train on the group split and write model.pt, model.onnx, card.json, plots, vectors/."""
    code = code_version()  # taken before training: the code that produced the weights
    split, sides, residual = split_of(ds, split_seed, log)

    loso_entries, loso_details = [], {}
    if loso:
        loso_entries, loso_details = leave_one_source_out(ds, split, model_cfg, loso_train_cfg or train_cfg, log)
    else:
        loso_entries = [{"heldOut": s.name, "trainedOn": [o.name for o in ds.sources if o is not s], "metrics": None,
                         "sensitivity": None, "specificity": None, "note": "not run (train without --loso; bench runs it)"}
                        for s in ds.sources]

    result, spec, inputs = fit_on(ds, split.train, split.validation, model_cfg, train_cfg, log)
    train_cfg = result.train_config
    hyper = {**train_cfg.to_dict(), "epochsRun": result.epochs_run, "bestEpoch": result.best_epoch}
    keys = ["optimizer", "learningRate", "weightDecay", "batchSize", "maxEpochs", "epochsRun", "bestEpoch",
            "earlyStoppingPatience", "earlyStoppingMetric", "loss", "seed", "threads", "augmentation"]
    if ds.version == 2:
        keys += [k for k in ("batchSampling", "learningRateSchedule", "sourceAdversary") if k in hyper]
    hyper = {k: hyper[k] for k in keys}
    if result.prior_correction:
        hyper["augmentation"]["counterfactualTumorRemoval"]["priorCorrection"] = result.prior_correction
    if ds.task is not BINARY:
        hyper.update(TYPE_TASK_TRAINING)
        if train_cfg.localization_weight:
            hyper["loss"] += (f" + {train_cfg.localization_weight:g} x localisation on the tumor head's 'yes' map"
                              + (f" from epoch {train_cfg.localization_warmup + 1}" if train_cfg.localization_warmup else ""))
    return evaluate_and_write(ds, split, sides, residual, loso_entries, loso_details, result, spec, inputs, out_dir,
                              name=name, version=version, hyperparameters=hyper, train_config=train_cfg.to_dict(),
                              split_seed=split_seed, code=code, log=log)


def evaluate_and_write(ds: Dataset, split: Split, sides: dict, residual: dict, loso_entries: list, loso_details: dict,
                       result: TrainResult, spec: PreprocSpec, inputs, out_dir: Path, *, name: str, version: str,
                       hyperparameters: dict, train_config: dict, split_seed: int, code: dict, log,
                       architecture_extra: dict | None = None) -> dict:
    """Everything after the fit: test/validation/per-source metrics, OOD, localisation, then model.pt,
    model.onnx, card.json, plots and vectors/ staged and moved into out_dir (a failed run leaves no
    half model). `hyperparameters` is the card's section, `train_config` goes into the checkpoint,
    `architecture_extra` (e.g. the type task's calibration) is merged into the card's architecture.
    Returns what bench needs: card, result, split, residual check, localisation, untyped tumors."""
    names = list(ds.task.labels)
    out = {side: infer(result.model, inputs, split.side(side)) for side in ("test", "validation")}
    metrics = {side: _metrics(ds, out[side], split.side(side)) for side in ("test", "validation")}
    for side, m in metrics.items():
        log(f"{side}: " + ", ".join(f"{k} {v:.4f}" for k, v in m.items() if isinstance(v, float)) + f", n {m['n']}, confusion {m['confusion']}")
    extra_card: dict = {}
    ood = None
    if ds.version == 2:
        by_source = {}
        for k, s in enumerate(ds.sources):
            sel = ds.source_idx[split.test] == k
            if sel.any():
                by_source[s.name] = _metrics(ds, {"prob": out["test"]["prob"][sel]}, split.test[sel])
                log(f"test, {s.name}: accuracy {by_source[s.name]['accuracy']:.4f}, n {by_source[s.name]['n']}, confusion {by_source[s.name]['confusion']}")
        metrics["bySource"] = by_source
        metrics["leaveOneSourceOut"] = loso_entries
        g_train = infer(result.model, inputs, split.train)["pooled"]
        held_auroc = next((d["oodAuroc"] for d in loso_details.values() if d["oodAuroc"] is not None), None)
        ood = ood_section(g_train, out["validation"]["pooled"], held_auroc, strata=strata_of(ds, split.validation))
        # The shipped card's site check on its own held-back test images, kind by kind (false alarms).
        if "validationScores" in ood:
            s_test = scores(out["test"]["pooled"], ood)
            in_source_site = {"byStratum": stratum_site_checks(s_test, strata_of(ds, split.test), ood["validationScores"]),
                              "wholeTest": site_verdict(s_test, ood["validationScores"])}
        in_source_loc = localization_on(result.model, ds, inputs, split.test, "in-source test side")
        # The validation side's figure is the one a recipe may be chosen on (the test side's is not).
        validation_loc = localization_on(result.model, ds, inputs, split.validation, "in-source validation side")
        removal = {side: removal_on(result.model, ds, inputs, split.side(side)) for side in ("validation", "test")}
        readability = source_readability_on(ds, out, split)
        log(f"tumor-removal probe: {removal}")
        if ds.task is not BINARY:
            in_source_loc["predictedClass"] = localization_on(result.model, ds, inputs, split.test, "in-source test side", predicted=True)
        held_loc = next((d["localization"] for d in loso_details.values() if d["localization"]["n"]), None)
        localization_card = held_loc or {k: v for k, v in in_source_loc.items() if k != "predictedClass"}
        log(f"localisation, in-source test: {in_source_loc}; card: {localization_card}")
        extra_card = {"localization": localization_card, "ood": ood}
    else:
        in_source_loc = validation_loc = removal = readability = None
    if ood is None or "validationScores" not in ood:
        in_source_site = None

    # Stage everything next to the out folder, then move it in: a failed run leaves no half model.
    out_dir = Path(out_dir)
    stage = out_dir.parent / f".{out_dir.name}.partial"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    save_checkpoint(stage / "model.pt", result.model, names, spec.mean and list(spec.mean), spec.std and list(spec.std),
                    {"train_config": train_config, "preprocessing": spec.to_dict()})
    onnx_section = export_onnx(result.model, stage / "model.onnx")
    picks = vector_examples(ds, split)
    extra = [odd_framing(_decoded(ds, picks[-1]))] if ds.version == 2 and picks else []
    write_vectors(result.model, [ds.samples[i][1].path for i in picks], stage / "vectors", spec, ood, extra, labels=names)
    plot_curves(result.curves, stage / "curves.png", result.best_epoch)
    plot_confusion(metrics["test"]["confusion"], names, stage / "confusion.png")
    data = {
        "fingerprint": fingerprint(ds.sources) if ds.version == 2 else ds.sources[0].listing.fingerprint(),
        "files": sum(s.listing.files for s in ds.sources),
        "unreadable": sum(len(s.listing.unreadable) for s in ds.sources),
        "classes": {label: int((ds.labels == c).sum()) for c, label in enumerate(ds.task.data_labels)},
        "dedup": ds.dedup if ds.version == 2 else {k: v for k, v in ds.dedup.items() if k not in ("nearDuplicateGroups", "patientGrouping", "crossSourceGroups")},
        "split": {
            "method": "stratified by source and label, whole near-duplicate (and patient) groups per side",
            "seed": split_seed,
            "fractions": dict(zip(("train", "validation", "test"), FRACTIONS)),
            **(sides if ds.version == 2 else {k: {kk: vv for kk, vv in v.items() if kk != "bySource"} for k, v in sides.items()}),
        },
    }
    if ds.version == 2:
        data["sources"] = [s.card_entry() for s in ds.sources]
    elif len(ds.sources) > 1:
        raise ValueError("preprocessing version 1 (card /1) takes one --data source")
    card = build_card(
        name=name,
        version=version,
        labels=names,
        positive_label=ds.task.positive_label,
        task=ds.task.name,
        model=result.model,
        hyperparameters=hyperparameters,
        spec=spec,
        onnx_section=onnx_section,
        metrics=metrics,
        curves=result.curves,
        data=data,
        code=code,
        **extra_card,
    )
    if architecture_extra:
        card["architecture"].update(architecture_extra)
    write_card(card, stage / "card.json")
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in stage.iterdir():
        target = out_dir / item.name
        if target.is_dir():
            # The attribution of a folder's images (vectors/), written by hand, stays: the same
            # split picks the same images.
            kept = target / "ATTRIBUTION.md"
            if kept.exists() and not (item / "ATTRIBUTION.md").exists():
                kept.replace(item / "ATTRIBUTION.md")
            shutil.rmtree(target)
        item.replace(target)
    stage.rmdir()
    log(f"wrote {display_path(out_dir)}: model.onnx ({(out_dir / 'model.onnx').stat().st_size} bytes), model.pt, card.json, curves.png, confusion.png, vectors/")
    untyped = None
    if ds.task is not BINARY:
        untyped = {s.name: d for k, s in enumerate(ds.sources)
                   if (d := untyped_detection(ds, {"prob": out["test"]["prob"][ds.source_idx[split.test] == k]},
                                              split.test[ds.source_idx[split.test] == k]))["n"]}
        log(f"test, tumors without a type called any tumor: {untyped}")
    return {"card": card, "result": result, "split": sides, "split_indices": split, "residual": residual,
            "loso": loso_details, "inSourceLocalization": in_source_loc,
            "validationLocalization": validation_loc, "tumorRemoval": removal, "sourceReadability": readability, "untypedTumors": untyped,
            "inSourceSiteCheck": in_source_site}


def _decoded(ds: Dataset, i: int) -> np.ndarray:
    from .data import decode_rgb

    return decode_rgb(ds.samples[i][1].path)


def run_kfold(ds: Dataset, k: int, model_cfg: ModelConfig, train_cfg: TrainConfig, seed: int, log) -> dict:
    """Train k models on k group folds; test metrics per fold and their mean and sd."""
    folds = kfold_splits(ds.strata, ds.groups, ds.strata_names(), k, seed=seed)
    per_fold = []
    for f, split in enumerate(folds, 1):
        log(f"k-fold {f}/{k}: train {len(split.train)}, validation {len(split.validation)}, test {len(split.test)}")
        result, _, inputs = fit_on(ds, split.train, split.validation, model_cfg, train_cfg, log)
        m = _metrics(ds, infer(result.model, inputs, split.test), split.test)
        log(f"k-fold {f}/{k} test: acc {m['accuracy']:.4f} f1 {m['f1']:.4f}")
        per_fold.append(m)
    keys = ("accuracy", "precision", "recall", "f1", "auc")
    summary = {
        key: {"mean": float(np.mean([m[key] for m in per_fold])), "sd": float(np.std([m[key] for m in per_fold], ddof=1))}
        for key in keys
    }
    return {"k": k, "folds": per_fold, "summary": summary}


def paper_row(ds: Dataset, split: Split, model_cfg: ModelConfig, train_cfg: TrainConfig, log) -> dict:
    """The paper's CNN trained on the same split and data (its own preprocessing input size)."""
    result, spec, inputs = fit_on(ds, split.train, split.validation, model_cfg, train_cfg, log)
    out = {side: infer(result.model, inputs, split.side(side)) for side in ("test", "validation")}
    by_source = {}
    for k, s in enumerate(ds.sources):
        sel = ds.source_idx[split.test] == k
        if sel.any():
            by_source[s.name] = binary_metrics(ds.labels[split.test][sel], out["test"]["prob"][sel, 1])
    return {side: _metrics(ds, out[side], split.side(side)) for side in out} | {
        "bySource": by_source, "epochsRun": result.epochs_run, "bestEpoch": result.best_epoch, "secondsPerEpoch": result.seconds_per_epoch}


def dump_json_line(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"))
