// Where the JPEG-LS and JPEG 2000 codecs' .wasm files are, as the bundler placed them. Imported by
// every module that decodes DICOM, in the page and in the study workers (each thread has its own
// copy of the sdk's settings).
import charlsWasmUrl from "@cornerstonejs/codec-charls/decodewasm?url";
import openjpegWasmUrl from "@cornerstonejs/codec-openjpeg/decodewasm?url";
import { dicomCodecLocation } from "@neuroledger/sdk/dicom";

dicomCodecLocation.charlsWasmUrl = charlsWasmUrl;
dicomCodecLocation.openjpegWasmUrl = openjpegWasmUrl;
