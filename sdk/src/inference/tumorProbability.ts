import { type ModelTask, TASKS } from "../card/tasks.ts";

/** What a tumor probability reads from the card: its task, labels and positive label. */
export type TumorCard = {
  task: ModelTask;
  labels: readonly string[];
  positiveLabel: string | null;
};

/**
 * The probability that an image shows a tumor, whatever the task: p(positive label) for a card with
 * one (binary: p("yes")), else 1 - p(the task's tumor-free label) (type task: p(glioma) +
 * p(meningioma) + p(pituitary)). What the slices of a DICOM series are ranked by.
 * @param probabilities per label, as `classifyImage` gives them (softmax, sums to 1)
 * @throws Error naming the label when `probabilities` lacks the one needed
 */
export function tumorProbability(
  probabilities: Readonly<Record<string, number>>,
  card: TumorCard,
): number {
  const label = card.positiveLabel ?? TASKS[card.task].tumorFreeLabel;
  const p = probabilities[label];
  if (p === undefined) {
    throw new Error(`no probability for "${label}" among ${Object.keys(probabilities).join(", ")}`);
  }
  return card.positiveLabel === null ? 1 - p : p;
}

/**
 * The label given to an image from its tumor probability (what a DICOM series or study is called,
 * read from its most suspicious slice): below 0.5 the tumor-free label (binary: the label that is
 * not the positive one); at 0.5 or above the positive label, or, without one (type task), the most
 * probable tumor label of that image.
 * @param probabilities per label, as `classifyImage` gives them
 */
export function tumorLabel(
  probabilities: Readonly<Record<string, number>>,
  card: TumorCard,
): string {
  const tumorFree =
    card.positiveLabel === null
      ? TASKS[card.task].tumorFreeLabel
      : (card.labels.find((l) => l !== card.positiveLabel) as string);
  if (tumorProbability(probabilities, card) < 0.5) return tumorFree;
  if (card.positiveLabel !== null) return card.positiveLabel;
  const tumors = card.labels.filter((l) => l !== tumorFree);
  return tumors.reduce((best, l) =>
    (probabilities[l] ?? 0) > (probabilities[best] ?? 0) ? l : best,
  ) as string;
}
