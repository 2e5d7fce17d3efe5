/** `@neuroledger/sdk/inference`: preprocessing, inference and heatmaps (browser and Node). */
export {
  type Classification,
  type ClassificationCard,
  classifyImage,
  interpretOutputs,
  softmax,
} from "./classify.ts";
export {
  type Heatmap,
  type HeatmapOverlayParameters,
  heatmapColor,
  heatmapFromFeatures,
  heatmapToRgba,
  overlayHeatmap,
  type RgbaImage,
  resizeHeatmap,
} from "./heatmap.ts";
export { type PreprocessingSpec, preprocessImage } from "./preprocess.ts";
export { DEFAULT_MAX_PIXELS, imageChannels, type RawImage } from "./rawImage.ts";
export { type AxisWeights, bilinearAxis, resizePlane } from "./resize.ts";
export {
  checkModelInterface,
  MODEL_INPUT,
  MODEL_OUTPUT_FEATURES,
  MODEL_OUTPUT_LOGITS,
  type ModelOutputs,
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxTensorConstructorLike,
  type OnnxTensorLike,
  runModel,
} from "./runtime.ts";
