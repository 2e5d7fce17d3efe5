/**
 * `@neuroledger/sdk/dicom`: DICOM files to the pixels the model sees, series and studies, and the
 * byte-level recognition of every other input (browser and Node).
 */
export {
  dicomCodecLocation,
  pixelEncoding,
  TRANSFER_SYNTAXES,
  type TransferSyntaxUid,
} from "./codecs.ts";
export {
  type DecodeDicomParameters,
  type DicomFrame,
  type DicomImage,
  decodeDicom,
} from "./decodeDicom.ts";
export {
  checkImageNotTooSmall,
  type FileFormat,
  isNiftiHeader,
  MIN_IMAGE_SIDE,
  sniffFileFormat,
  sniffGzippedNifti,
  unsupportedFormatError,
} from "./fileFormat.ts";
export {
  type DicomSeries,
  type DicomStudy,
  groupDicomSeries,
  type SeriesResult,
  type SeriesSlice,
  summarizeSeries,
} from "./series.ts";
export { applyWindow, type GreyWindow, storedToGrey, type VoiFunction } from "./voi.ts";
