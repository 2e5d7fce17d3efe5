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

/**
 * The type task's data label for a tumor of unknown type (Br35H's `yes`): such images count
 * apart (`untypedTumors`), not in the task's metrics, as in training.
 */
export const UNTYPED_TUMOR = "tumor";

export type TaskDefinition = {
  /** Sorted; index = logit index. */
  labels: readonly string[];
  /** The label whose probability is "the" probability (binary task), or null (no positive label). */
  positiveLabel: string | null;
  /** Images of this label have no tumor (`negatives`); every other label is a tumor (`positives`). */
  tumorFreeLabel: string;
  /**
   * Default label of a class folder (its name in lower case), as training's `tasks.py`: one of
   * `labels`, or {@link UNTYPED_TUMOR} (type task). `--map` overrides it.
   */
  folders: Readonly<Record<string, string>>;
};

/** What each task fixes. */
export const TASKS: Readonly<Record<ModelTask, TaskDefinition>> = {
  [BINARY_TASK]: {
    labels: ["no", "yes"],
    positiveLabel: "yes",
    tumorFreeLabel: "no",
    folders: {
      no: "no",
      notumor: "no",
      normal: "no",
      yes: "yes",
      tumor: "yes",
      glioma: "yes",
      meningioma: "yes",
      pituitary: "yes",
    },
  },
  [TYPE_TASK]: {
    labels: ["glioma", "meningioma", "no_tumor", "pituitary"],
    positiveLabel: null,
    tumorFreeLabel: "no_tumor",
    folders: {
      glioma: "glioma",
      meningioma: "meningioma",
      pituitary: "pituitary",
      no: "no_tumor",
      notumor: "no_tumor",
      no_tumor: "no_tumor",
      normal: "no_tumor",
      yes: UNTYPED_TUMOR,
      tumor: UNTYPED_TUMOR,
    },
  },
};

/**
 * The task whose labels are exactly `labels` (in order), e.g. from an evaluation's `labels`.
 * Returns undefined when no task has them.
 */
export function taskOfLabels(
  labels: readonly string[],
): (TaskDefinition & { name: ModelTask }) | undefined {
  const name = MODEL_TASKS.find((task) => TASKS[task].labels.join("\n") === labels.join("\n"));
  return name === undefined ? undefined : { ...TASKS[name], name };
}
