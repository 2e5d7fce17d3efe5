import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "fflate";
import {
  ImageDecodeError,
  ImageTooLargeError,
  ImageTooSmallError,
  InvalidInputError,
  UnsupportedDicomError,
  UnsupportedFileFormatError,
} from "../errors.ts";
import { decodeImage } from "../node/decodeImage.ts";
import { readImageFile } from "../node/files.ts";
import { decodeDicom } from "./decodeDicom.ts";
import { sniffFileFormat } from "./fileFormat.ts";
import { groupDicomSeries, summarizeSeries } from "./series.ts";
import {
  dcmtk,
  makeDicom,
  PYTHON,
  pydicomFile,
  pythonDicomGrey,
  samplePng,
  tempDir,
} from "./testing/fixtures.ts";

const greyOf = async (path: string) => {
  const dicom = await decodeDicom(readFileSync(path));
  assert.equal(dicom.frames.length, 1);
  const image = dicom.frames[0]!.image;
  assert.equal(image.channels, 1);
  return image.data;
};

/** The red channel of a PNG/JPEG as the SDK decodes it (grey images have R = G = B). */
const redOf = (path: string) => {
  const image = decodeImage(readFileSync(path));
  const channels = image.channels ?? 3;
  return Uint8Array.from(
    { length: image.width * image.height },
    (_, i) => image.data[i * channels]!,
  );
};

describe("decodeDicom: the pixels the model sees (docs/interfaces.md section 2.0)", () => {
  it("MR_small (16-bit, header window) in every transfer syntax gives the training reader's grey", async () => {
    const dir = tempDir();
    const deflated = join(dir, "deflated.dcm");
    dcmtk("dcmconv", "+td", pydicomFile("MR_small.dcm"), deflated);
    const lossless = join(dir, "jpeg-lossless.dcm");
    dcmtk("dcmcjpeg", "+e1", pydicomFile("MR_small.dcm"), lossless);
    const lossless14 = join(dir, "jpeg-lossless-14.dcm");
    dcmtk("dcmcjpeg", "+el", pydicomFile("MR_small.dcm"), lossless14);
    const expected = pythonDicomGrey(pydicomFile("MR_small.dcm"));
    assert.equal(expected.length, 64 * 64);
    const variants = [
      pydicomFile("MR_small.dcm"),
      pydicomFile("MR_small_implicit.dcm"),
      pydicomFile("MR_small_bigendian.dcm"),
      pydicomFile("MR_small_RLE.dcm"),
      pydicomFile("MR_small_jpeg_ls_lossless.dcm"),
      pydicomFile("MR_small_jp2klossless.dcm"),
      deflated,
      lossless,
      lossless14,
    ];
    for (const path of variants) {
      assert.deepEqual(await greyOf(path), expected, path);
    }
    const info = await decodeDicom(readFileSync(pydicomFile("MR_small.dcm")));
    assert.deepEqual(info.frames[0]!.window, {
      method: "header",
      center: 600,
      width: 1600,
      function: "LINEAR",
    });
    assert.equal(info.modality, "MR");
    assert.equal(info.bitsStored, 16);
  });

  it("a 16-bit image without a window gets the robust automatic window, as the training reader does", async () => {
    const ct = pydicomFile("CT_small.dcm"); // signed 16-bit, rescale, no window
    const dicom = await decodeDicom(readFileSync(ct));
    assert.equal(dicom.frames[0]!.window?.method, "automatic");
    assert.equal(dicom.pixelRepresentation, 1);
    assert.deepEqual(dicom.frames[0]!.image.data, pythonDicomGrey(ct));
  });

  it("rescale, 12 of 16 bits, header window and MONOCHROME1 match the training reader; MONOCHROME1 is the inverse", async () => {
    const dir = tempDir();
    const values = new Uint16Array(64 * 48);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 2654435761) >>> 7) & 0x0fff;
    const raw = join(dir, "p.u16");
    writeFileSync(raw, values);
    const common = {
      pixels16: raw,
      rows: 64,
      columns: 48,
      bitsStored: 12,
      slope: 2,
      intercept: -100,
    };
    const cases = {
      windowed: { ...common, window: [3000, 4000] as [number, number] },
      inverted: {
        ...common,
        window: [3000, 4000] as [number, number],
        photometric: "MONOCHROME1" as const,
      },
      automatic: { ...common },
      automaticInverted: { ...common, photometric: "MONOCHROME1" as const },
    };
    makeDicom(
      Object.entries(cases).map(([name, spec]) => ({ ...spec, out: join(dir, `${name}.dcm`) })),
    );
    for (const name of Object.keys(cases)) {
      const path = join(dir, `${name}.dcm`);
      assert.deepEqual(await greyOf(path), pythonDicomGrey(path), name);
    }
    const windowed = await greyOf(join(dir, "windowed.dcm"));
    const inverted = await greyOf(join(dir, "inverted.dcm"));
    assert.ok(
      windowed.some((v) => v !== 0 && v !== 255),
      "the window leaves mid-grey values",
    );
    assert.deepEqual(
      inverted,
      windowed.map((v) => 255 - v),
    );
    // The modality values the dApp windows for display: stored * slope + intercept, per pixel.
    const kept = await decodeDicom(readFileSync(join(dir, "windowed.dcm")), {
      keepModalityValues: true,
    });
    assert.deepEqual(
      kept.frames[0]?.modalityValues,
      Float32Array.from(values, (v) => v * 2 - 100),
    );
  });

  it("a PNG and an 8-bit DICOM of the same pixels read the same, also after dcmtk's lossless recompressions", async () => {
    const dir = tempDir();
    const plain = join(dir, "plain.dcm");
    makeDicom([{ image: samplePng(1), out: plain }]);
    const expected = redOf(samplePng(1));
    assert.deepEqual(await greyOf(plain), expected);
    const recompressed: [string, string[]][] = [
      ["dcmcjpls", []],
      ["dcmcrle", []],
      ["dcmcjpeg", ["+e1"]],
    ];
    for (const [tool, args] of recompressed) {
      const out = join(dir, `${tool}.dcm`);
      dcmtk(tool, ...args, plain, out);
      assert.deepEqual(await greyOf(out), expected, tool);
    }
    assert.deepEqual(
      await readImageFile(plain),
      (await decodeDicom(readFileSync(plain))).frames[0]!.image,
    );
  });

  it("img2dcm's DICOM of a JPEG reads as the JPEG itself (the preamble and DICM magic are recognised)", async () => {
    const dir = tempDir();
    const jpeg = join(dir, "slice.jpg");
    execFileSync(PYTHON, [
      "-c",
      "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('L').save(sys.argv[2], quality=92)",
      samplePng(2),
      jpeg,
    ]);
    const dicom = join(dir, "slice.dcm");
    dcmtk("img2dcm", jpeg, dicom);
    assert.equal(sniffFileFormat(readFileSync(dicom)), "dicom");
    assert.deepEqual(await greyOf(dicom), redOf(jpeg));
  });

  it("RGB DICOM (RLE, JPEG baseline) decodes to 8-bit RGB", async () => {
    const rle = await decodeDicom(readFileSync(pydicomFile("SC_rgb_rle.dcm")));
    const jpeg = await decodeDicom(readFileSync(pydicomFile("SC_rgb_jpeg_dcmtk.dcm")));
    for (const dicom of [rle, jpeg]) {
      const { image } = dicom.frames[0]!;
      assert.equal(image.channels, 3);
      assert.equal(image.data.length, 100 * 100 * 3);
    }
    // The first rows of pydicom's SC_rgb images are pure red.
    assert.deepEqual([...rle.frames[0]!.image.data.subarray(0, 3)], [255, 0, 0]);
    const [r, g, b] = jpeg.frames[0]!.image.data.subarray(0, 3);
    assert.ok(r! > 240 && g! < 15 && b! < 15, `JPEG red is ${r},${g},${b}`);
  });

  it("refuses what it cannot read with a sentence that names it", async () => {
    const read = (name: string) => decodeDicom(readFileSync(pydicomFile(name)), { name });
    await assert.rejects(
      read("MR_truncated.dcm"),
      (e: unknown) =>
        e instanceof ImageDecodeError && /truncated|damaged/.test((e as Error).message),
    );
    await assert.rejects(
      read("JPEG-lossy.dcm"),
      (e: unknown) =>
        e instanceof UnsupportedDicomError &&
        /JPEG Extended \(12-bit lossy\)/.test((e as Error).message),
    );
    await assert.rejects(
      read("dicomdirtests/DICOMDIR"),
      (e: unknown) =>
        e instanceof UnsupportedDicomError && /no Pixel Data/.test((e as Error).message),
    );
    await assert.rejects(
      read("SC_rgb_small_odd.dcm"),
      (e: unknown) =>
        e instanceof ImageTooSmallError && /3x3 pixels: too small/.test((e as Error).message),
    );
    await assert.rejects(read("SC_rgb_rle_16bit.dcm"), UnsupportedDicomError);
    // Per frame and per file (a compressed file claiming many frames): refused before decoding.
    const mr = readFileSync(pydicomFile("MR_small.dcm"));
    await assert.rejects(
      decodeDicom(mr, { maxPixels: 4095 }),
      (e: unknown) =>
        e instanceof ImageTooLargeError && /64x64 pixels per frame/.test((e as Error).message),
    );
    // rtdose_rle: 15 RLE frames of 10x10 (32-bit): each within maxPixels 100, the file not.
    await assert.rejects(
      decodeDicom(readFileSync(pydicomFile("rtdose_rle.dcm")), { maxPixels: 100 }),
      (e: unknown) =>
        e instanceof ImageTooLargeError && /15 frames of 10x10/.test((e as Error).message),
    );
  });
});

describe("readImageFile: every other input gets a clear answer", () => {
  const dir = tempDir();
  const file = (name: string, bytes: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const nifti = new Uint8Array(352);
  new DataView(nifti.buffer).setInt32(0, 348, true);
  nifti.set(new TextEncoder().encode("n+1\0"), 344);

  const refusals: [string, string | Uint8Array, RegExp][] = [
    ["brain.nii", nifti, /brain\.nii is a NIfTI volume \(\.nii\)/],
    ["brain.nii.gz", gzipSync(nifti), /gzip-compressed NIfTI volume \(\.nii\.gz\)/],
    ["scan.png", Uint8Array.of(0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0), /scan\.png is a TIFF image/],
    ["export.zip", Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0), /zip archive/],
    ["empty.dcm", new Uint8Array(0), /empty\.dcm is an empty file/],
    ["notes.txt", "hello, this is text", /notes\.txt is not an image format NeuroLedger knows/],
  ];
  for (const [name, bytes, message] of refusals) {
    it(`${name}: ${message.source}`, async () => {
      await assert.rejects(readImageFile(file(name, bytes)), (e: unknown) => {
        assert.ok(e instanceof UnsupportedFileFormatError, String(e));
        assert.match((e as Error).message, message);
        assert.match((e as Error).message, /only PNG, JPEG and DICOM/);
        return true;
      });
    });
  }

  it("a folder and a multi-frame DICOM are refused with a sentence, not an errno", async () => {
    const folder = join(dir, "series");
    mkdirSync(folder);
    await assert.rejects(
      readImageFile(folder),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /is a folder, not an image file/.test((e as Error).message) &&
        !/EISDIR/.test((e as Error).message),
    );
    await assert.rejects(
      readImageFile(pydicomFile("SC_rgb_rle_2frame.dcm")),
      /multi-frame DICOM with 2 slices/,
    );
  });

  it("too small images are refused when a minimum side is asked for", async () => {
    const tiny = join(dir, "tiny.png");
    execFileSync(PYTHON, [
      "-c",
      "import sys; from PIL import Image; Image.new('L', (8, 8), 90).save(sys.argv[1])",
      tiny,
    ]);
    assert.equal((await readImageFile(tiny)).width, 8);
    await assert.rejects(
      readImageFile(tiny, { minSide: 32 }),
      (e: unknown) =>
        e instanceof ImageTooSmallError &&
        /8x8 pixels: too small to carry a diagnosis/.test((e as Error).message),
    );
  });

  it("EXIF orientation 1..8 (PNG eXIf, JPEG APP1) is applied exactly as Pillow's exif_transpose", async () => {
    const script = `
import sys
from PIL import Image, ImageOps
src = Image.open(sys.argv[1]).convert('L').crop((0, 0, 120, 80))
for o in range(1, 9):
    exif = Image.Exif(); exif[0x0112] = o
    src.save(f"{sys.argv[2]}/o{o}.png", exif=exif.tobytes())
    src.save(f"{sys.argv[2]}/o{o}.jpg", exif=exif.tobytes(), quality=95)
    up = ImageOps.exif_transpose(Image.open(f"{sys.argv[2]}/o{o}.png"))
    open(f"{sys.argv[2]}/o{o}.upright", "wb").write(bytes([up.width // 256, up.width % 256]) + up.tobytes())
`;
    execFileSync(PYTHON, ["-c", script, samplePng(0), dir]);
    for (let o = 1; o <= 8; o++) {
      const upright = readFileSync(join(dir, `o${o}.upright`));
      const width = upright[0]! * 256 + upright[1]!;
      const png = await readImageFile(join(dir, `o${o}.png`));
      assert.equal(png.width, width, `orientation ${o}`);
      assert.deepEqual(
        Uint8Array.from(
          { length: png.width * png.height },
          (_, i) => png.data[i * (png.channels ?? 1)]!,
        ),
        new Uint8Array(upright.subarray(2)),
        `PNG orientation ${o}`,
      );
      const jpeg = await readImageFile(join(dir, `o${o}.jpg`));
      assert.deepEqual([jpeg.width, jpeg.height], [png.width, png.height], `JPEG orientation ${o}`);
    }
  });
});

describe("groupDicomSeries: studies, series, slices in position order", () => {
  it("groups two series of one study and orders slices along the normal, not by file order", async () => {
    const dir = tempDir();
    const specs = [3, 0, 2, 1].map((k, i) => ({
      image: samplePng(k),
      out: join(dir, `a${i}.dcm`),
      series: "1.2.3.4.1",
      position: [0, 0, 10 - 2.5 * k] as [number, number, number],
      instance: 10 + i,
    }));
    makeDicom([
      ...specs,
      { image: samplePng(4), out: join(dir, "b0.dcm"), series: "1.2.3.4.2", seriesNumber: 7 },
    ]);
    const files = await Promise.all(
      [...specs.map((s) => s.out), join(dir, "b0.dcm")].map(async (path) => ({
        file: path,
        dicom: await decodeDicom(readFileSync(path)),
      })),
    );
    const studies = groupDicomSeries(files);
    assert.equal(studies.length, 1);
    const [first, second] = studies[0]!.series;
    assert.equal(first!.slices.length, 4);
    // z = 10 - 2.5k: ascending z is k = 3, 2, 1, 0, i.e. files a0, a2, a3, a1.
    assert.deepEqual(
      first!.slices.map((s) => s.file),
      ["a0", "a2", "a3", "a1"].map((n) => join(dir, `${n}.dcm`)),
    );
    assert.deepEqual([second!.ordinal, second!.seriesNumber, second!.slices.length], [2, 7, 1]);
    const summary = summarizeSeries([0.1, 0.9, 0.4, 0.95]);
    assert.deepEqual(summary, {
      slices: 4,
      probability: 0.95,
      mostSuspicious: 3,
      positiveSlices: 2,
      ranking: [3, 1, 2, 0],
    });
  });
});
