import { tumorLabel } from "@neuroledger/sdk/inference";
import type { Classifier, StudyFileReader } from "./classifier.svelte.ts";
import { readStudy, type SeriesView } from "./study.ts";

/** A DICOM study read in the page (see `readStudy`), as reactive state for the classify page. */
export class StudyReader {
  phase = $state<"idle" | "reading" | "classifying" | "done">("idle");
  progress = $state({ done: 0, total: 0 });
  series = $state.raw<SeriesView[]>([]);
  skipped = $state.raw<{ file: string; reason: string }[]>([]);
  error = $state<string | null>(null);
  /** Milliseconds from the files to the study result. */
  elapsedMs = $state<number | null>(null);
  /** Study workers that read the last study (0: the page itself). */
  workers = $state(0);

  /** The study result: its most suspicious series' probability (null before any). */
  readonly studyProbability = $derived(
    this.series.length ? Math.max(...this.series.map((s) => s.result.probability)) : null,
  );

  /**
   * @param reader the current model's DICOM reader (study workers, or the page itself)
   * @param typeClassifier the tumor-type task's classifier, when the page has one: with a model
   *   loaded, it reads each series' most suspicious slice (one run per series)
   */
  constructor(
    private readonly reader: () => Promise<StudyFileReader>,
    private readonly typeClassifier: () => Classifier | null = () => null,
  ) {}

  async open(files: readonly File[]) {
    this.phase = "reading";
    this.error = null;
    this.series = [];
    this.skipped = [];
    this.elapsedMs = null;
    try {
      const reader = await this.reader();
      this.workers = reader.workers;
      const read = await readStudy(files, reader.read, (phase, done, total) => {
        this.phase = phase;
        this.progress = { done, total };
      });
      this.series = await this.#withTumorTypes(read.series);
      this.skipped = read.skipped;
      this.elapsedMs = read.elapsedMs;
      this.phase = "done";
    } catch (cause) {
      this.error = cause instanceof Error ? cause.message : String(cause);
      this.phase = "idle";
    }
  }

  /** Each series with the type model's label of its most suspicious slice (unchanged without one). */
  async #withTumorTypes(series: SeriesView[]): Promise<SeriesView[]> {
    const classifier = this.typeClassifier();
    const model = classifier?.model;
    if (!classifier || !model || model.card.positiveLabel !== null) return series;
    const out: SeriesView[] = [];
    for (const s of series) {
      const slice = s.slices[s.result.mostSuspicious];
      if (!slice) {
        out.push(s);
        continue;
      }
      let probabilities: Record<string, number>;
      try {
        ({ probabilities } = await classifier.classifyPixels(slice.image));
      } catch (cause) {
        // The study's own result stands; only the type is missing for this series.
        console.warn("The tumor-type model could not read a series' slice:", cause);
        out.push(s);
        continue;
      }
      const label = tumorLabel(probabilities, model.card);
      out.push({
        ...s,
        tumorType: {
          model: `${model.card.name} ${model.card.version}`,
          label,
          probability: probabilities[label] ?? 0,
        },
      });
    }
    return out;
  }
}
