import * as ort from "onnxruntime-web";
// ORT's WASM glue as its own file: its thread workers load it by URL. Bundled into an app chunk,
// the workers would run the app's code too (and fail on `window`).
import ortGlueUrl from "onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url";
import ortWasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url";

ort.env.wasm.wasmPaths = { mjs: ortGlueUrl, wasm: ortWasmUrl };

export type Backend = { kind: "webgpu"; adapter: string } | { kind: "wasm"; threads: number };

/** Where inference runs, in words. */
export function describeBackend(backend: Backend): string {
  return backend.kind === "webgpu"
    ? `WebGPU (${backend.adapter})`
    : `WebAssembly, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`;
}

/**
 * WebGPU when the browser has an adapter, otherwise multi-threaded WASM (threads need the
 * page to be cross-origin isolated). `preference` forces one (the correctness tests compare both).
 */
export async function chooseBackend(
  preference: "auto" | "wasm" | "webgpu" = "auto",
): Promise<Backend> {
  if (preference !== "wasm" && "gpu" in navigator) {
    const adapter = await (navigator as Navigator & { gpu: GPU }).gpu
      .requestAdapter()
      .catch(() => null);
    if (adapter)
      return {
        kind: "webgpu",
        adapter: adapter.info?.description || adapter.info?.vendor || "GPU",
      };
  }
  if (preference === "webgpu")
    throw new Error("WebGPU was asked for, but this browser offers no WebGPU adapter.");
  const threads = crossOriginIsolated
    ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4))
    : 1;
  return { kind: "wasm", threads };
}

/** An ONNX Runtime session on the chosen backend, in the shape the SDK's `classifyImage` takes. */
export async function createRuntime(model: Uint8Array, backend: Backend) {
  if (backend.kind === "wasm") ort.env.wasm.numThreads = backend.threads;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [backend.kind],
    graphOptimizationLevel: "all",
  });
  return { session, Tensor: ort.Tensor };
}
