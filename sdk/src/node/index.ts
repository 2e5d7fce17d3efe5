/** `@neuroledger/sdk/node`: Node-only helpers (files, image decoders, onnxruntime-node). */
export {
  type DecodeImageParameters,
  decodeImage,
  type ImageFormat,
  sniffImageFormat,
} from "./decodeImage.ts";
export { type DecryptModelToFileParameters, decryptModelToFile } from "./decryptModelToFile.ts";
export { encodePng } from "./encodePng.ts";
export {
  DEFAULT_MAX_IMAGE_FILE_BYTES,
  fileReadableStream,
  type ReadImageFileParameters,
  readImageBytes,
  readImageFile,
  writeStreamAtomically,
} from "./files.ts";
export { type CreateNodeRuntimeParameters, createNodeRuntime } from "./onnxRuntime.ts";
export {
  type PreparePrivateOutputOptions,
  type PrivateOutput,
  preparePrivateOutput,
} from "./privateOutput.ts";
export { createNodeSha256Stream } from "./sha256.ts";
