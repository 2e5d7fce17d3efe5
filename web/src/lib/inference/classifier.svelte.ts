import type { ModelCard } from "@neuroledger/sdk/card";
import {
  type Classification,
  classifyImage,
  type OnnxRuntimeLike,
  type RawImage,
} from "@neuroledger/sdk/inference";
import { getContext, setContext } from "svelte";
import { classifyFile, type ImageResult, withHeatmapOf } from "./classify.ts";
import { type Backend, chooseBackend, createRuntime } from "./runtime.ts";
import { type DicomFileReader, dicomFileReader } from "./studySlices.ts";
import { type StudyWorkers, startStudyWorkers } from "./studyWorkers.ts";

/** A study's file reader, and how many study workers run it (0: the page itself). */
export type StudyFileReader = { read: DicomFileReader; workers: number };

export type Row =
  | { id: number; name: string; status: "pending" }
  | { id: number; name: string; status: "done"; result: ImageResult }
  | { id: number; name: string; status: "error"; message: string };

/** A loaded model plus the images run through it in this page. */
export class Classifier {
  backend = $state<Backend | null>(null);
  model = $state<{ card: ModelCard; sha256: string } | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /**
   * The class whose heatmap the results show; null: the default (a binary card's positive label,
   * else each image's predicted label).
   */
  heatmapLabel = $state<string | null>(null);
  // Raw: results hold ImageData and typed arrays; rows are replaced, never mutated in place.
  rows = $state.raw<Row[]>([]);
  #runtime: OnnxRuntimeLike | null = null;
  #modelBytes: Uint8Array | null = null;
  #studyWorkers: Promise<StudyWorkers> | null = null;
  #nextId = 1;
  #queue: Promise<void> = Promise.resolve();

  readonly busy = $derived(this.loading || this.rows.some((row) => row.status === "pending"));

  constructor(private readonly preference: "auto" | "wasm" | "webgpu" = "auto") {}

  /** Starts an inference session for `bytes` (already verified by the caller). */
  load(bytes: Uint8Array, card: ModelCard, sha256: string) {
    // Images added while the model starts wait for it (they are queued behind this).
    const loading = this.#load(bytes, card, sha256);
    this.#queue = this.#queue.then(() => loading);
    return loading;
  }

  async #load(bytes: Uint8Array, card: ModelCard, sha256: string) {
    this.loading = true;
    this.error = null;
    this.#closeStudyWorkers();
    try {
      this.backend ??= await chooseBackend(this.preference);
      this.#runtime = await createRuntime(bytes, this.backend);
      this.#modelBytes = bytes;
      this.model = { card, sha256 };
      this.heatmapLabel = null;
    } catch (cause) {
      this.#runtime = null;
      this.#modelBytes = null;
      this.model = null;
      this.error = `The model could not be started: ${cause instanceof Error ? cause.message : String(cause)}`;
    } finally {
      this.loading = false;
    }
  }

  /** Classifies files one after the other (one model, one session: runs never overlap). */
  add(files: Iterable<File>) {
    for (const file of files) {
      const id = this.#nextId++;
      this.rows = [...this.rows, { id, name: file.name, status: "pending" }];
      this.#queue = this.#queue.then(() => this.#classify(id, file));
    }
    return this.#queue;
  }

  /**
   * Classifies decoded pixels (a DICOM slice) in the same queue as the files, so runs never
   * overlap; throws when no model is loaded.
   */
  classifyPixels(pixels: RawImage): Promise<Classification> {
    const run = this.#queue.then(async () => {
      const runtime = this.#runtime;
      const model = this.model;
      if (!runtime || !model) throw new Error("Choose a model first.");
      return classifyImage(runtime, pixels, model.card);
    });
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The reader of a dropped DICOM study for the loaded model: study workers (one single-threaded
   * WASM session per core, started on first use and kept for this model) on the WASM backend;
   * the page itself on WebGPU, or where workers cannot start.
   */
  async studyReader(): Promise<StudyFileReader> {
    const inPage = { read: dicomFileReader((pixels) => this.classifyPixels(pixels)), workers: 0 };
    const bytes = this.#modelBytes;
    const model = this.model;
    if (this.backend?.kind !== "wasm" || !bytes || !model || typeof Worker === "undefined")
      return inPage;
    // A plain copy: the card is reactive state here, and a proxy cannot be posted to a worker.
    this.#studyWorkers ??= startStudyWorkers(bytes, $state.snapshot(model.card) as ModelCard);
    try {
      const workers = await this.#studyWorkers;
      return { read: workers.read, workers: workers.size };
    } catch (cause) {
      // Reading in the page is slower but gives the same results; say why, once per attempt.
      console.warn("Study workers could not start; reading the study in the page:", cause);
      this.#studyWorkers = null;
      return inPage;
    }
  }

  #closeStudyWorkers() {
    const workers = this.#studyWorkers;
    this.#studyWorkers = null;
    workers?.then(
      (w) => w.close(),
      () => undefined,
    );
  }

  /**
   * Shows the heatmap of `label` (null: the default class) on every result, now and for images
   * added later; drawn from the outputs already computed, the model does not run again.
   * @throws Error naming the model's labels when `label` is not one of them.
   */
  showHeatmapOf(label: string | null) {
    const card = this.model?.card;
    if (!card) throw new Error("Choose a model first.");
    if (label !== null && !card.labels.includes(label))
      throw new Error(`No label "${label}"; the model's labels are ${card.labels.join(", ")}.`);
    this.heatmapLabel = label;
    const heatmapLabel = label ?? undefined;
    this.rows = this.rows.map((row) =>
      row.status === "done"
        ? { ...row, result: withHeatmapOf(row.result, card, heatmapLabel) }
        : row,
    );
  }

  clear() {
    this.rows = this.rows.filter((row) => row.status === "pending");
  }

  async #classify(id: number, file: File) {
    const settle = (row: Row) => {
      this.rows = this.rows.map((r) => (r.id === id ? row : r));
    };
    const runtime = this.#runtime;
    const model = this.model;
    if (!runtime || !model) {
      settle({ id, name: file.name, status: "error", message: "Choose a model first." });
      return;
    }
    try {
      const result = await classifyFile(runtime, model.card, file, {
        heatmapLabel: this.heatmapLabel ?? undefined,
      });
      settle({ id, name: file.name, status: "done", result });
    } catch (cause) {
      const message =
        (cause as { shortMessage?: string }).shortMessage ??
        (cause instanceof Error ? cause.message : String(cause));
      settle({ id, name: file.name, status: "error", message });
    }
  }
}

const key = Symbol("classifier");
/** Hands the page's {@link Classifier} down to its components (call in the root layout). */
export const setClassifier = (classifier: Classifier) => setContext(key, classifier);
/** The {@link Classifier} a parent handed down with {@link setClassifier}. */
export const useClassifier = () => getContext<Classifier>(key);
