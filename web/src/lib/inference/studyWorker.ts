// A study worker: decodes DICOM files and classifies their frames with its own single-threaded
// WASM session, so the slices of a dropped series are read on every core at once while the page
// stays responsive. Nothing leaves the browser: the worker is a thread of this page.
/// <reference lib="webworker" />
import type { ModelCard } from "@neuroledger/sdk/card";
import { classifyImage } from "@neuroledger/sdk/inference";
import { createRuntime } from "./runtime.ts";
import { type DicomFileReader, dicomFileReader, type ReadDicomFile } from "./studySlices.ts";

export type StudyWorkerRequest =
  | { kind: "open"; model: Uint8Array; card: ModelCard }
  | { kind: "read"; id: number; name: string; bytes: Uint8Array };

export type StudyWorkerReply =
  | { kind: "opened" }
  | { kind: "notOpened"; message: string }
  | { kind: "read"; id: number; file: ReadDicomFile }
  | { kind: "failed"; id: number; message: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
let reader: Promise<DicomFileReader> | undefined;

/** Every pixel buffer in `file`, to move them to the page instead of copying them. */
function buffersOf(file: ReadDicomFile): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const frame of file.dicom.frames) {
    buffers.add(frame.image.data.buffer as ArrayBuffer);
    if (frame.modalityValues) buffers.add(frame.modalityValues.buffer as ArrayBuffer);
  }
  return [...buffers].filter((b) => b instanceof ArrayBuffer);
}

async function read(id: number, name: string, bytes: Uint8Array) {
  if (!reader) throw new Error("The study worker has no model.");
  const file = await (await reader)(name, bytes);
  const reply: StudyWorkerReply = { kind: "read", id, file };
  scope.postMessage(reply, buffersOf(file));
}

scope.onmessage = (event: MessageEvent<StudyWorkerRequest>) => {
  const request = event.data;
  if (request.kind === "open") {
    const { card } = request;
    reader = createRuntime(request.model, { kind: "wasm", threads: 1 }).then((runtime) =>
      dicomFileReader((image) => classifyImage(runtime, image, card)),
    );
    reader.then(
      () => scope.postMessage({ kind: "opened" } satisfies StudyWorkerReply),
      (cause: unknown) =>
        scope.postMessage({
          kind: "notOpened",
          message: cause instanceof Error ? cause.message : String(cause),
        } satisfies StudyWorkerReply),
    );
    return;
  }
  // The page keeps a second file queued here so the worker never waits for it; the reader
  // takes them one after the other.
  read(request.id, request.name, request.bytes).catch((cause: unknown) => {
    const message =
      (cause as { shortMessage?: string }).shortMessage ??
      (cause instanceof Error ? cause.message : String(cause));
    scope.postMessage({ kind: "failed", id: request.id, message } satisfies StudyWorkerReply);
  });
};
