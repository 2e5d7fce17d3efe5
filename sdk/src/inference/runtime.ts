import { ModelOutputError } from "../errors.ts";

/**
 * The few parts of onnxruntime this SDK uses, so `onnxruntime-node` (CLI, tests) and
 * `onnxruntime-web` (the dApp) both plug in: pass `{ session, Tensor }` from either package.
 *
 * @example
 * import * as ort from "onnxruntime-web";
 * const runtime = { session: await ort.InferenceSession.create(modelBytes), Tensor: ort.Tensor };
 */
export type OnnxTensorLike = {
  readonly data: unknown;
  readonly dims: readonly number[];
};

export type OnnxSessionLike = {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: the runtimes type their feeds with their own Tensor class.
  run(feeds: Record<string, any>): Promise<Record<string, OnnxTensorLike>>;
};

export type OnnxTensorConstructorLike = new (
  type: "float32",
  data: Float32Array,
  dims: readonly number[],
) => unknown;

export type OnnxRuntimeLike = {
  session: OnnxSessionLike;
  Tensor: OnnxTensorConstructorLike;
};

/** The names fixed by docs/interfaces.md section 1. */
export const MODEL_INPUT = "image";
export const MODEL_OUTPUT_LOGITS = "logits";
export const MODEL_OUTPUT_FEATURES = "features";
/** Card v2 models: the class activation map `[batch, K, h, w]`. */
export const MODEL_OUTPUT_CAM = "cam";

export type FloatTensor = { data: Float32Array; dims: readonly number[] };

export type ModelOutputs = {
  logits: Float32Array;
  features: FloatTensor;
  /** Present when the model exports `cam` (card v2 models). */
  cam?: FloatTensor;
};

/** Checks the session has the interface's input and outputs, before anything runs. */
export function checkModelInterface(session: OnnxSessionLike): void {
  const missing = [
    ...(session.inputNames.includes(MODEL_INPUT) ? [] : [`input "${MODEL_INPUT}"`]),
    ...[MODEL_OUTPUT_LOGITS, MODEL_OUTPUT_FEATURES]
      .filter((name) => !session.outputNames.includes(name))
      .map((name) => `output "${name}"`),
  ];
  if (missing.length > 0) {
    throw new ModelOutputError(`The ONNX model lacks ${missing.join(" and ")}.`, {
      details: `Inputs: ${session.inputNames.join(", ")}; outputs: ${session.outputNames.join(", ")}.`,
      hints: ["Export the model with training/ (docs/interfaces.md section 1)."],
    });
  }
}

function floatOutput(
  outputs: Record<string, OnnxTensorLike>,
  name: string,
): { data: Float32Array; dims: readonly number[] } {
  const tensor = outputs[name];
  if (!tensor || !(tensor.data instanceof Float32Array)) {
    throw new ModelOutputError(`The model's output "${name}" is missing or not float32.`);
  }
  return { data: tensor.data, dims: tensor.dims };
}

/** Runs one preprocessed image (`[1, 3, H, W]`) and returns the logits, the feature map and the `cam` output when the model has one. */
export async function runModel(
  runtime: OnnxRuntimeLike,
  input: Float32Array,
  dims: readonly number[],
): Promise<ModelOutputs> {
  checkModelInterface(runtime.session);
  const outputs = await runtime.session.run({
    [MODEL_INPUT]: new runtime.Tensor("float32", input, dims),
  });
  const logits = floatOutput(outputs, MODEL_OUTPUT_LOGITS);
  if (logits.dims.length !== 2 || logits.dims[0] !== 1) {
    throw new ModelOutputError(
      `Expected logits of shape [1, classes], got [${logits.dims.join(", ")}].`,
    );
  }
  const features = floatOutput(outputs, MODEL_OUTPUT_FEATURES);
  if (features.dims.length !== 4 || features.dims[0] !== 1) {
    throw new ModelOutputError(
      `Expected features of shape [1, C, h, w], got [${features.dims.join(", ")}].`,
    );
  }
  if (!runtime.session.outputNames.includes(MODEL_OUTPUT_CAM))
    return { logits: logits.data, features };
  const cam = floatOutput(outputs, MODEL_OUTPUT_CAM);
  if (
    cam.dims.length !== 4 ||
    cam.dims[0] !== 1 ||
    cam.dims[1] !== logits.dims[1] ||
    cam.dims[2] !== features.dims[2] ||
    cam.dims[3] !== features.dims[3]
  ) {
    throw new ModelOutputError(
      `Expected cam of shape [1, ${logits.dims[1]}, ${features.dims[2]}, ${features.dims[3]}], got [${cam.dims.join(", ")}].`,
    );
  }
  return { logits: logits.data, features, cam };
}
