// A study worker: decodes DICOM files and classifies their frames with its own single-threaded
// WASM session, so the slices of a dropped series are read on every core at once while the page
// stays responsive. Nothing leaves the browser: the worker is a thread of this page.
/// <reference lib="webworker" />
import type { ModelCard } from "@neuroledger/sdk/card";
import { classifyImage, type OnnxRuntimeLike } from "@neuroledger/sdk/inference";
import { createRuntime } from "./runtime.ts";
import { dicomFileReader, type ReadDicomFile } from "./studySlices.ts";

export type StudyWorkerRequest =
  | { kind: "open"; model: Uint8Array; card: ModelCard }
  | { kind: "read"; id: number; name: string; bytes: Uint8Array };

export type StudyWorkerReply =
  | { kind: "opened" }
  | { kind: "read"; id: number; file: SerializedFile }
  | { kind: "failed"; id: number; message: string };

/** A read file in transferable form (ImageData is rebuilt on the page from its bytes). */
export type SerializedFile = {
  dicom: ReadDicomFile["dicom"];
  frames: {
    rgba: Uint8ClampedArray<ArrayBuffer>;
    width: number;
    height: number;
    classification: ReadDicomFile["frames"][number]["classification"];
  }[];
};

const scope = self as unknown as DedicatedWorkerGlobalScope;
let opened: Promise<{ runtime: OnnxRuntimeLike; card: ModelCard }> | undefined;

/** Every typed array's buffer in `file`, to move them to the page instead of copying them. */
function buffersOf(file: SerializedFile): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const frame of file.frames) buffers.add(frame.rgba.buffer);
  for (const frame of file.dicom.frames) {
    buffers.add(frame.image.data.buffer as ArrayBuffer);
    if (frame.modalityValues) buffers.add(frame.modalityValues.buffer as ArrayBuffer);
  }
  return [...buffers].filter((b) => b instanceof ArrayBuffer);
}

async function read(id: number, name: string, bytes: Uint8Array) {
  if (!opened) throw new Error("The study worker has no model.");
  const { runtime, card } = await opened;
  const file = await dicomFileReader((pixels) => classifyImage(runtime, pixels, card))(name, bytes);
  const serialized: SerializedFile = {
    dicom: file.dicom,
    frames: file.frames.map(({ pixels, classification }) => ({
      rgba: pixels.data as Uint8ClampedArray<ArrayBuffer>,
      width: pixels.width,
      height: pixels.height,
      classification,
    })),
  };
  const reply: StudyWorkerReply = { kind: "read", id, file: serialized };
  scope.postMessage(reply, buffersOf(serialized));
}

scope.onmessage = (event: MessageEvent<StudyWorkerRequest>) => {
  const request = event.data;
  if (request.kind === "open") {
    opened = createRuntime(request.model, { kind: "wasm", threads: 1 }).then((runtime) => ({
      runtime,
      card: request.card,
    }));
    opened.then(
      () => scope.postMessage({ kind: "opened" } satisfies StudyWorkerReply),
      (cause: unknown) =>
        scope.postMessage({
          kind: "failed",
          id: -1,
          message: cause instanceof Error ? cause.message : String(cause),
        } satisfies StudyWorkerReply),
    );
    return;
  }
  read(request.id, request.name, request.bytes).catch((cause: unknown) => {
    const message =
      (cause as { shortMessage?: string }).shortMessage ??
      (cause instanceof Error ? cause.message : String(cause));
    scope.postMessage({ kind: "failed", id: request.id, message } satisfies StudyWorkerReply);
  });
};
