"""PNG plots for the CLI user: training curves (the paper's Fig. 2) and the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display here
import matplotlib.pyplot as plt  # noqa: E402


def plot_curves(curves: dict, path: Path, best_epoch: int | None = None) -> None:
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    e = curves["epoch"]
    ax_loss.plot(e, curves["trainLoss"], label="train")
    ax_loss.plot(e, curves["valLoss"], label="validation")
    ax_loss.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.plot(e, curves["trainAccuracy"], label="train accuracy")
    ax_acc.plot(e, curves["valAccuracy"], label="validation accuracy")
    ax_acc.plot(e, curves["valF1"], label="validation F1", linestyle="--")
    ax_acc.set(title="Accuracy", xlabel="epoch", ylim=(0, 1.01))
    for ax in (ax_loss, ax_acc):
        if best_epoch:
            ax.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(confusion: list[list[int]], labels: list[str], path: Path, title: str = "Test confusion matrix") -> None:
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(confusion, cmap="Blues")
    peak = max(max(row) for row in confusion) or 1
    for i, row in enumerate(confusion):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > peak / 2 else "black", fontsize=14)
    ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
           xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
