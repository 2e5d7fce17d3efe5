// Test fixtures made at test time from Debian packages (python3-pydicom's test files, dcmtk) and the
// training vectors' PNGs: no DICOM is committed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Debian system Python that sees python3-pydicom (the first `python3` on PATH may not). */
export const PYTHON = "/usr/bin/python3";

export const pydicomTestFiles: string = execFileSync(
  PYTHON,
  [
    "-c",
    "import os, pydicom.data; print(os.path.join(os.path.dirname(pydicom.data.__file__), 'test_files'))",
  ],
  { encoding: "utf8" },
).trim();

/** A pydicom test file by name (MR_small.dcm, CT_small.dcm, ...). */
export const pydicomFile = (name: string) => join(pydicomTestFiles, name);

/** Committed Br35H sample PNGs (training/models/demo/vectors, attributed there). */
export const samplePng = (i: number) =>
  fileURLToPath(new URL(`../../../../training/models/demo/vectors/v${i}.png`, import.meta.url));

export const tempDir = () => mkdtempSync(join(tmpdir(), "nl-dicom-"));

export interface DicomSpec {
  out: string;
  image?: string;
  pixels16?: string;
  rows?: number;
  columns?: number;
  study?: string;
  series?: string;
  seriesNumber?: number;
  instance?: number;
  position?: [number, number, number];
  window?: [number, number];
  photometric?: "MONOCHROME1" | "MONOCHROME2";
  bitsStored?: number;
  slope?: number;
  intercept?: number;
  patientName?: string;
  patientId?: string;
}

/** Writes explicit-VR DICOM files with pydicom (testing/make_dicom.py). */
export function makeDicom(specs: DicomSpec[]): void {
  const dir = tempDir();
  const spec = join(dir, "spec.json");
  writeFileSync(spec, JSON.stringify(specs));
  execFileSync(PYTHON, [fileURLToPath(new URL("./make_dicom.py", import.meta.url)), spec], {
    stdio: "inherit",
  });
}

/** Runs a dcmtk tool (dcmcjpls, dcmcrle, dcmconv, img2dcm, ...). */
export const dcmtk = (tool: string, ...args: string[]) =>
  execFileSync(tool, args, { stdio: "pipe" });

/** The training package's DICOM reader (training/neuroledger_training/dicom.py): frame 0 grey bytes. */
export function pythonDicomGrey(path: string): Uint8Array {
  const training = fileURLToPath(new URL("../../../../training", import.meta.url));
  const out = execFileSync(
    PYTHON,
    [
      "-c",
      "import sys; sys.path.insert(0, sys.argv[1]); from neuroledger_training.dicom import dicom_frames_rgb; sys.stdout.buffer.write(dicom_frames_rgb(sys.argv[2])[0][:, :, 0].tobytes())",
      training,
      path,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return new Uint8Array(out);
}
