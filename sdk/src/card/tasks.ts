/**
 * The consortium's classification tasks (docs/interfaces.md section 14): each fixes its labels
 * (the model's logit order), its positive label (or none) and the label of tumor-free images,
 * which splits an evaluation set into `positives` / `negatives` on chain.
 */

/** Tumor yes/no. */
export const BINARY_TASK = "brain-tumor-mri/binary";
/** Tumor type: glioma, meningioma, pituitary, or none. */
export const TYPE_TASK = "brain-tumor-mri/type";

/** Every task a card may name, in the deployment's order (binary first). */
export const MODEL_TASKS = [BINARY_TASK, TYPE_TASK] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

export type TaskDefinition = {
  /** Sorted; index = logit index. */
  labels: readonly string[];
  /** The label whose probability is "the" probability (binary task), or null (no positive label). */
  positiveLabel: string | null;
  /** Images of this label have no tumor (`negatives`); every other label is a tumor (`positives`). */
  tumorFreeLabel: string;
};

/** What each task fixes. */
export const TASKS: Readonly<Record<ModelTask, TaskDefinition>> = {
  [BINARY_TASK]: { labels: ["no", "yes"], positiveLabel: "yes", tumorFreeLabel: "no" },
  [TYPE_TASK]: {
    labels: ["glioma", "meningioma", "no_tumor", "pituitary"],
    positiveLabel: null,
    tumorFreeLabel: "no_tumor",
  },
};
