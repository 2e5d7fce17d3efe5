import type { ModelCard } from "@neuroledger/sdk/card";
import { Classifier } from "./classifier.svelte.ts";

/** One task's place on the classify page: its model and its results. */
export type TaskPanel = {
  /** The task's name; null on a page that knows no tasks (nothing deployed): any model fits. */
  task: string | null;
  classifier: Classifier;
};

/** A model whose card names a task this consortium does not run. */
export class ModelTaskError extends Error {
  override name = "ModelTaskError";
}

/**
 * One {@link Classifier} per task of the consortium (docs/interfaces.md section 14): a model goes
 * to the classifier of its card's task, and every image goes to each task's model, so one image
 * answers "tumor?" and "which kind?" at once.
 */
export class TaskClassifiers {
  readonly panels: TaskPanel[];

  readonly loaded = $derived.by(() => this.panels.filter((p) => p.classifier.model !== null));
  readonly loading = $derived.by(() => this.panels.some((p) => p.classifier.loading));
  readonly busy = $derived.by(() => this.panels.some((p) => p.classifier.busy));

  /** @param tasks the consortium's tasks, the binary one first (`config.tasks`). */
  constructor(tasks: readonly string[], preference: "auto" | "wasm" | "webgpu" = "auto") {
    const names = tasks.length > 0 ? tasks : [null];
    this.panels = names.map((task) => ({ task, classifier: new Classifier(preference) }));
  }

  /** The first panel: the binary task's, which also reads DICOM studies. */
  get primary(): Classifier {
    return (this.panels[0] as TaskPanel).classifier;
  }

  /** The panel for a card's task; null when the consortium runs no such task. */
  panelFor(task: string): TaskPanel | null {
    return this.panels.find((p) => p.task === null || p.task === task) ?? null;
  }

  /**
   * Starts `bytes` (verified by the caller) in the classifier of its card's task, replacing that
   * task's model; the other tasks keep theirs.
   * @throws ModelTaskError naming the card's task and the consortium's tasks when none fits.
   */
  async load(bytes: Uint8Array, card: ModelCard, sha256: string): Promise<void> {
    const panel = this.panelFor(card.task);
    if (!panel) {
      const known = this.panels.map((p) => p.task).join(", ");
      throw new ModelTaskError(
        `${card.name} ${card.version} is a model for the task ${card.task}; this consortium runs ${known}.`,
      );
    }
    await panel.classifier.load(bytes, card, sha256);
  }

  /** Classifies files with every loaded model (each task's runs are queued in its classifier). */
  add(files: File[]): Promise<unknown> {
    return Promise.all(this.loaded.map((p) => p.classifier.add(files)));
  }

  clear() {
    for (const p of this.panels) p.classifier.clear();
  }
}
