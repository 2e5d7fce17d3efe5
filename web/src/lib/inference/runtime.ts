// ORT's WASM glue as separate files: its thread workers load the glue by URL. Bundled into an app
// chunk, the workers would run the app's code too (and fail on `window`). Each backend gets its
// own build: the plain SIMD-threaded WASM for CPU; for GPUs `onnxruntime-web/webgpu`, whose
// native WebGPU EP lives in the asyncify build.
import gpuGlueUrl from "onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url";
import gpuWasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url";
import wasmGlueUrl from "onnxruntime-web/ort-wasm-simd-threaded.mjs?url";
import wasmWasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";

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

async function loadOrt(backend: Backend) {
  if (backend.kind === "webgpu") {
    const ort = await import("onnxruntime-web/webgpu");
    ort.env.wasm.wasmPaths = { mjs: gpuGlueUrl, wasm: gpuWasmUrl };
    return ort;
  }
  const ort = await import("onnxruntime-web/wasm");
  ort.env.wasm.wasmPaths = { mjs: wasmGlueUrl, wasm: wasmWasmUrl };
  ort.env.wasm.numThreads = backend.threads;
  return ort;
}

/** An ONNX Runtime session on the chosen backend, in the shape the SDK's `classifyImage` takes. */
export async function createRuntime(model: Uint8Array, backend: Backend) {
  const ort = await loadOrt(backend);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [backend.kind],
    graphOptimizationLevel: "all",
    // The exported batch axis is dynamic; fixing it at 1 lets ORT plan static shapes.
    freeDimensionOverrides: { batch: 1 },
  });
  return { session, Tensor: ort.Tensor };
}
