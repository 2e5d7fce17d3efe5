import { type DicomImage, decodeDicom } from "@neuroledger/sdk/dicom";
import type { Classification, RawImage } from "@neuroledger/sdk/inference";
import "./dicomCodecs.ts";

/** One DICOM file read: the decoded image and the model's answer for each frame, in frame order. */
export interface ReadDicomFile {
  dicom: DicomImage;
  classifications: Classification[];
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
  classify: (image: RawImage) => Promise<Classification>,
): DicomFileReader {
  // One file at a time, in the order asked: the codecs and the session are one per thread, and
  // two decodes interleaving at their awaits would share a codec's buffers.
  let previous: Promise<unknown> = Promise.resolve();
  const readOne = async (name: string, bytes: Uint8Array): Promise<ReadDicomFile> => {
    const dicom = await decodeDicom(bytes, { name, keepModalityValues: true });
    const classifications: Classification[] = [];
    // The decoded 8-bit frame as it is (grey or RGB): the SDK's preprocessing reads any channel
    // count, so no RGBA copy is made for the model.
    for (const frame of dicom.frames) classifications.push(await classify(frame.image));
    return { dicom, classifications };
  };
  return (name, bytes) => {
    const result = previous.then(() => readOne(name, bytes));
    previous = result.catch(() => undefined);
    return result;
  };
}
