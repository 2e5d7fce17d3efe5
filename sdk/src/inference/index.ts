/** `@neuroledger/sdk/inference`: preprocessing, inference and heatmaps (browser and Node). */
export { areaResizePlane } from "./areaResize.ts";
export { heatmapFromCam, heatmapPeak, type ImagePoint } from "./cam.ts";
export {
  type Classification,
  type ClassificationCard,
  type ClassificationOptions,
  classifyImage,
  type InputPlacement,
  interpretOutputs,
  softmax,
} from "./classify.ts";
export { applyExifOrientation, exifOrientation } from "./exifOrientation.ts";
export { channelSums, findHeadCrop, type HeadCrop, type Region } from "./headCrop.ts";
export {
  type Heatmap,
  type HeatmapOverlayParameters,
  heatmapColor,
  heatmapFromFeatures,
  heatmapOnImage,
  heatmapToRgba,
  overlayHeatmap,
  type RgbaImage,
  resizeHeatmap,
} from "./heatmap.ts";
export { formatOodFigure, type OodResult, type OodSpec, oodScore } from "./ood.ts";
export {
  type PreparedInput,
  type PreprocessingSpec,
  type PreprocessingV1Spec,
  type PreprocessingV2Spec,
  prepareInput,
  preprocessImage,
} from "./preprocess.ts";
export { DEFAULT_MAX_PIXELS, imageChannels, type RawImage } from "./rawImage.ts";
export { type AxisWeights, bilinearAxis, resizePlane } from "./resize.ts";
export {
  checkModelInterface,
  type FloatTensor,
  MODEL_INPUT,
  MODEL_OUTPUT_CAM,
  MODEL_OUTPUT_FEATURES,
  MODEL_OUTPUT_LOGITS,
  type ModelOutputs,
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxTensorConstructorLike,
  type OnnxTensorLike,
  runModel,
} from "./runtime.ts";
export {
  mannWhitney,
  SITE_CHECK_ALPHA,
  SITE_CHECK_MIN_IMAGES,
  SITE_CHECK_MIN_VALIDATION,
  type SiteCheck,
  type StratumTest,
  siteCheck,
} from "./siteCheck.ts";
export { type TumorCard, tumorLabel, tumorProbability } from "./tumorProbability.ts";
