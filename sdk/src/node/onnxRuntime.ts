import { InvalidModelError } from "../errors.ts";
import { checkModelInterface, type OnnxRuntimeLike } from "../inference/runtime.ts";

export type CreateNodeRuntimeParameters = {
  /** Intra-op threads (default: onnxruntime's choice). */
  threads?: number;
};

/**
 * Opens an ONNX model with onnxruntime-node (CPU) and checks it has the interface's input and
 * outputs. onnxruntime-node is imported lazily, so commands that never run a model do not load it.
 *
 * @example
 * const runtime = await createNodeRuntime("training/models/demo/model.onnx");
 * const result = await classifyImage(runtime, await readImageFile("scan.png"), card);
 */
export async function createNodeRuntime(
  model: string | Uint8Array,
  parameters: CreateNodeRuntimeParameters = {},
): Promise<OnnxRuntimeLike> {
  const ort = await import("onnxruntime-node");
  const options = {
    executionProviders: ["cpu"],
    ...(parameters.threads ? { intraOpNumThreads: parameters.threads } : {}),
  };
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session =
      typeof model === "string"
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
  } catch (cause) {
    throw new InvalidModelError("The file is not a loadable ONNX model.", {
      details: String((cause as Error).message ?? cause),
      hints: ["Check the path; publish the model.onnx that training/ exported."],
      cause,
    });
  }
  checkModelInterface(session);
  return { session, Tensor: ort.Tensor };
}
