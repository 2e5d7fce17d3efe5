import { type DicomImage, decodeDicom } from "@neuroledger/sdk/dicom";
import type { Classification } from "@neuroledger/sdk/inference";
import { rawToImageData } from "./decode.ts";

/** One frame of a DICOM file as the study view needs it: display pixels and the model's answer. */
export interface ReadFrame {
  /** The frame as 8-bit RGBA (what the model saw, before its own preprocessing). */
  pixels: ImageData;
  classification: Classification;
}

/** One DICOM file read: the decoded image and one entry per frame, in frame order. */
export interface ReadDicomFile {
  dicom: DicomImage;
  frames: ReadFrame[];
}

/**
 * Decodes one DICOM file (modality values kept, for the display window) and classifies each of
 * its frames; rejects with the reason when the file cannot be read.
 */
export type DicomFileReader = (name: string, bytes: Uint8Array) => Promise<ReadDicomFile>;

/**
 * Reads a DICOM file with `classify`. The page's own reader, and the one each study worker runs
 * with its own session: one definition of what a slice's result is, wherever it is computed.
 */
export function dicomFileReader(
  classify: (pixels: ImageData) => Promise<Classification>,
): DicomFileReader {
  return async (name, bytes) => {
    const dicom = await decodeDicom(bytes, { name, keepModalityValues: true });
    const frames: ReadFrame[] = [];
    for (const frame of dicom.frames) {
      const pixels = rawToImageData(frame.image);
      frames.push({ pixels, classification: await classify(pixels) });
    }
    return { dicom, frames };
  };
}
