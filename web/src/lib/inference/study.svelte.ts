import type { StudyFileReader } from "./classifier.svelte.ts";
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

  /** `reader` gives the current model's DICOM reader (study workers, or the page itself). */
  constructor(private readonly reader: () => Promise<StudyFileReader>) {}

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
      this.series = read.series;
      this.skipped = read.skipped;
      this.elapsedMs = read.elapsedMs;
      this.phase = "done";
    } catch (cause) {
      this.error = cause instanceof Error ? cause.message : String(cause);
      this.phase = "idle";
    }
  }
}
