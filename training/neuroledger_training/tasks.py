"""The consortium's classification tasks (docs/interfaces.md section 14): their output labels, the
labels an image of a source can carry, and how class folders map onto them.

The type task's images carry one of five data labels: the four output labels, or `tumor` (a tumor
of unknown type, as Br35H's 'yes'), which only the tumor head of the model learns from.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import DataError


@dataclass(frozen=True)
class Task:
    name: str  # on chain the task id is keccak256(bytes(name))
    labels: tuple[str, ...]  # output labels, in logit order (sorted)
    positive_label: str | None  # the binary task's tumor label; None for the type task
    data_labels: tuple[str, ...]  # labels an image can carry: `labels`, then any without an output of their own
    folders: dict  # default class folder (lower case) -> data label

    @property
    def k(self) -> int:
        return len(self.labels)

    def describe_folders(self) -> str:
        return ", ".join(f"{f} -> {label}" for f, label in self.folders.items())


BINARY = Task(
    name="brain-tumor-mri/binary",
    labels=("no", "yes"),
    positive_label="yes",
    data_labels=("no", "yes"),
    folders={"no": "no", "notumor": "no", "normal": "no", "yes": "yes", "tumor": "yes",
             "glioma": "yes", "meningioma": "yes", "pituitary": "yes"},
)

UNTYPED_TUMOR = "tumor"
NO_TUMOR = "no_tumor"
TUMOR_TYPES = ("glioma", "meningioma", "pituitary")  # the type head's order

TYPE = Task(
    name="brain-tumor-mri/type",
    labels=("glioma", "meningioma", NO_TUMOR, "pituitary"),
    positive_label=None,
    data_labels=("glioma", "meningioma", NO_TUMOR, "pituitary", UNTYPED_TUMOR),
    folders={"glioma": "glioma", "meningioma": "meningioma", "pituitary": "pituitary",
             "no": NO_TUMOR, "notumor": NO_TUMOR, "no_tumor": NO_TUMOR, "normal": NO_TUMOR,
             "yes": UNTYPED_TUMOR, "tumor": UNTYPED_TUMOR},
)

TASKS = {t.name: t for t in (BINARY, TYPE)}


def task_by_name(name: str) -> Task:
    """The task called `name`; DataError naming the known tasks otherwise."""
    if name not in TASKS:
        raise DataError(f"unknown task {name!r}: choose one of {', '.join(TASKS)}")
    return TASKS[name]


def task_of_labels(labels: list[str]) -> Task:
    """The task whose output labels are `labels` (a checkpoint's); DataError otherwise."""
    for task in TASKS.values():
        if list(task.labels) == list(labels):
            return task
    raise DataError(f"labels {labels} are not those of any task ({', '.join(f'{t.name}: {list(t.labels)}' for t in TASKS.values())})")
