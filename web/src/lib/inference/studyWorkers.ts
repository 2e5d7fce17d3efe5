import type { ModelCard } from "@neuroledger/sdk/card";
import type { DicomFileReader, ReadDicomFile } from "./studySlices.ts";
import type { StudyWorkerReply, StudyWorkerRequest } from "./studyWorker.ts";

/** Study workers: a {@link DicomFileReader} spread over threads, and their end. */
export interface StudyWorkers {
  read: DicomFileReader;
  /** How many workers read at once. */
  size: number;
  close(): void;
}

type Pending = { resolve: (file: ReadDicomFile) => void; reject: (error: Error) => void };

/** One worker with its own session; reads one file at a time, in the order asked. */
async function startWorker(model: Uint8Array, card: ModelCard) {
  const worker = new Worker(new URL("./studyWorker.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, Pending>();
  const ready = Promise.withResolvers<void>();
  worker.onmessage = ({ data }: MessageEvent<StudyWorkerReply>) => {
    if (data.kind === "opened") return ready.resolve();
    if (data.kind === "notOpened") return ready.reject(new Error(data.message));
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (data.kind === "read") waiting?.resolve(data.file);
    else waiting?.reject(new Error(data.message));
  };
  worker.onerror = (event) => {
    const error = new Error(`A study worker stopped: ${event.message || "unknown error"}`);
    ready.reject(error);
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  // A copy of the model per worker: the page keeps its own for single images.
  worker.postMessage({ kind: "open", model: model.slice(), card } satisfies StudyWorkerRequest);
  await ready.promise;
  let nextId = 0;
  return {
    worker,
    read(name: string, bytes: Uint8Array) {
      const id = nextId++;
      // Moved, not copied, when the bytes own their buffer (a dropped file's do).
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const sent = whole ? bytes : bytes.slice();
      return new Promise<ReadDicomFile>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ kind: "read", id, name, bytes: sent } satisfies StudyWorkerRequest, [
          sent.buffer as ArrayBuffer,
        ]);
      });
    },
  };
}

/**
 * Starts `size` study workers (default: one per core, at most 4), each with its own
 * single-threaded WASM session of `model`. Files go to whichever worker is free; a worker that
 * cannot start (no module workers, no memory) makes this reject, and the page reads in place.
 */
export async function startStudyWorkers(
  model: Uint8Array,
  card: ModelCard,
  size = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4)),
): Promise<StudyWorkers> {
  const started = await Promise.allSettled(
    Array.from({ length: size }, () => startWorker(model, card)),
  );
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const w of workers) w.worker.terminate();
    throw failed.reason;
  }
  type Started = (typeof workers)[number];
  // Two files in flight per worker (it reads them one after the other), so a worker finishing
  // one already holds the next. A freed slot goes straight to the longest-waiting file.
  const idle = [...workers, ...workers];
  const waiting: ((worker: Started) => void)[] = [];
  const take = (): Promise<Started> | Started =>
    idle.pop() ?? new Promise<Started>((resolve) => waiting.push(resolve));
  const release = (worker: Started) => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  return {
    size: workers.length,
    async read(name, bytes) {
      const worker = await take();
      try {
        return await worker.read(name, bytes);
      } finally {
        release(worker);
      }
    },
    close() {
      for (const w of workers) w.worker.terminate();
    },
  };
}
