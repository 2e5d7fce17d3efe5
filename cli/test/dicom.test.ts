// `classify --image` / `--study` and `evaluate` on DICOM made at test time (pydicom, dcmtk) from the
// demo model's Br35H vector images, and the clear answers for every other input.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT } from "./helpers/models.ts";
import { tempDir } from "./helpers/nodeProcess.ts";
import { runCli } from "./helpers/run.ts";

const DEMO = join(REPO_ROOT, "training", "models", "demo");
const MODEL = join(DEMO, "model.onnx");
const PYTHON = "/usr/bin/python3";
const MAKE_DICOM = join(REPO_ROOT, "sdk", "src", "dicom", "testing", "make_dicom.py");
const PATIENT = { patientName: "SECRET^PATIENT", patientId: "PID-7734-XYZ" };

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) as string);

async function probability(image: string): Promise<number> {
  const r = await runCli("classify", "--model", MODEL, "--image", image, "--json");
  assert.equal(r.code, 0, r.stderr);
  return lastJson(r.stdout).probability;
}

describe("DICOM in the CLI", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const grey = (i: number) => join(dir.path, `grey${i}.png`);

  before(async () => {
    dir = await tempDir("dicom");
    // Grey PNGs of the vector images (R = G = B), and DICOMs of the same 8-bit pixels.
    execFileSync(PYTHON, [
      "-c",
      "import sys\nfrom PIL import Image\nfor i in range(5): Image.open(f'{sys.argv[1]}/v{i}.png').convert('L').save(f'{sys.argv[2]}/grey{i}.png')",
      join(DEMO, "vectors"),
      dir.path,
    ]);
    const study = join(dir.path, "study");
    await mkdir(join(study, "sub"), { recursive: true });
    // Series 1: four slices written in shuffled order, positions z = 4k for grey k.
    const specs = [2, 0, 3, 1].map((k, i) => ({
      ...PATIENT,
      image: grey(k),
      out: join(study, i % 2 ? "sub" : "", `IM${i}.dcm`),
      series: "1.2.826.0.1.3680043.99.1",
      position: [0, 0, 4 * k],
      instance: 20 - i,
    }));
    const single = { ...PATIENT, image: grey(4), out: join(dir.path, "single.dcm") };
    const other = {
      ...PATIENT,
      image: grey(4),
      out: join(study, "other.dcm"),
      series: "1.2.826.0.1.3680043.99.2",
      seriesNumber: 9,
    };
    await writeFile(join(dir.path, "spec.json"), JSON.stringify([...specs, single, other]));
    execFileSync(PYTHON, [MAKE_DICOM, join(dir.path, "spec.json")]);
    await writeFile(join(study, "README.txt"), "exported by the PACS");
  });
  after(() => dir.remove());

  test("a PNG and an 8-bit DICOM of the same pixels give the same probability; JPEG-LS and RLE too", async () => {
    const png = await probability(grey(4));
    const dicom = join(dir.path, "single.dcm");
    assert.ok(Math.abs((await probability(dicom)) - png) <= 1e-4);
    for (const tool of ["dcmcjpls", "dcmcrle"]) {
      const out = join(dir.path, `single-${tool}.dcm`);
      execFileSync(tool, [dicom, out]);
      assert.ok(Math.abs((await probability(out)) - png) <= 1e-4, tool);
    }
  });

  test("`classify --study --json`: per-series and per-study results, slices in position order, no patient data", async () => {
    const r = await runCli(
      "classify",
      "--model",
      MODEL,
      "--study",
      join(dir.path, "study"),
      "--json",
    );
    assert.equal(r.code, 0, r.stderr);
    const result = lastJson(r.stdout);
    assert.equal(result.files, 5);
    assert.deepEqual(result.skipped, [{ file: "README.txt", reason: "not a DICOM file" }]);
    assert.equal(result.studies.length, 1);
    const [series1, series2] = result.studies[0].series;
    assert.equal(series1.slices, 4);
    // In position order the slices are grey0..grey3: each slice's probability is the PNG's.
    for (let k = 0; k < 4; k++) {
      assert.ok(
        Math.abs(series1.sliceProbabilities[k] - (await probability(grey(k)))) <= 1e-4,
        `slice ${k}`,
      );
    }
    const max = Math.max(...series1.sliceProbabilities);
    assert.equal(series1.probability, max);
    assert.equal(series1.sliceProbabilities[series1.mostSuspicious.slice - 1], max);
    assert.equal(series1.topSlices[0], series1.mostSuspicious.slice);
    assert.equal(
      series1.positiveSlices,
      series1.sliceProbabilities.filter((p: number) => p > 0.5).length,
    );
    assert.deepEqual([series2.series, series2.seriesNumber, series2.slices], [2, 9, 1]);
    assert.equal(result.studies[0].probability, Math.max(series1.probability, series2.probability));
    const everything = r.stdout + r.stderr;
    for (const secret of [
      PATIENT.patientName,
      "SECRET",
      PATIENT.patientId,
      "1.2.826.0.1.3680043.99",
      "19700101",
    ]) {
      assert.ok(!everything.includes(secret), `output leaks ${secret}`);
    }
    const human = await runCli("classify", "--model", MODEL, "--study", join(dir.path, "study"));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /mostSuspicious/);
    assert.ok(!(human.stdout + human.stderr).includes("SECRET"));
  });

  test("`evaluate` reads DICOM in class folders and gives the PNGs' metrics", async () => {
    const pngs = join(dir.path, "eval-png");
    const dicoms = join(dir.path, "eval-dcm");
    const specs = [];
    for (const [cls, ks] of [
      ["no", [0, 1]],
      ["yes", [2, 3, 4]],
    ] as const) {
      await mkdir(join(pngs, cls), { recursive: true });
      await mkdir(join(dicoms, cls), { recursive: true });
      for (const k of ks) {
        execFileSync("cp", [grey(k), join(pngs, cls, `s${k}.png`)]);
        specs.push({ image: grey(k), out: join(dicoms, cls, `s${k}.dcm`) });
      }
    }
    await writeFile(join(dir.path, "eval.json"), JSON.stringify(specs));
    execFileSync(PYTHON, [MAKE_DICOM, join(dir.path, "eval.json")]);
    const a = await runCli("evaluate", "--model", MODEL, "--data", pngs, "--json");
    const b = await runCli("evaluate", "--model", MODEL, "--data", dicoms, "--json");
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const [ma, mb] = [lastJson(a.stdout), lastJson(b.stdout)];
    assert.equal(mb.n, 5);
    assert.equal(mb.unreadable, 0);
    assert.deepEqual(mb.confusion, ma.confusion);
    assert.ok(Math.abs(mb.auc - ma.auc) <= 1e-9);
  });

  test("EXIF orientation: a rotated JPEG/PNG classifies as its upright copy (training's Pillow rule)", async () => {
    execFileSync(PYTHON, [
      "-c",
      "import sys\nfrom PIL import Image, ImageOps\nsrc = Image.open(sys.argv[1])\nexif = Image.Exif(); exif[0x0112] = 6\nsrc.save(sys.argv[2] + '/o6.png', exif=exif.tobytes())\nImageOps.exif_transpose(Image.open(sys.argv[2] + '/o6.png')).save(sys.argv[2] + '/upright.png')",
      grey(2),
      dir.path,
    ]);
    const rotated = await probability(join(dir.path, "o6.png"));
    assert.equal(rotated, await probability(join(dir.path, "upright.png")));
    assert.notEqual(
      rotated,
      await probability(grey(2)),
      "the stored (unrotated) pixels classify differently",
    );
  });

  test("every other input gets a sentence and exit code 3", async () => {
    const nifti = new Uint8Array(352);
    new DataView(nifti.buffer).setInt32(0, 348, true);
    nifti.set(new TextEncoder().encode("n+1\0"), 344);
    await writeFile(join(dir.path, "brain.nii"), nifti);
    await writeFile(join(dir.path, "empty.png"), "");
    execFileSync(PYTHON, [
      "-c",
      "import sys; from PIL import Image; Image.new('L', (8, 8), 90).save(sys.argv[1])",
      join(dir.path, "tiny.png"),
    ]);
    const cases: [string[], RegExp][] = [
      [["--image", join(dir.path, "brain.nii")], /brain\.nii is a NIfTI volume/],
      [["--image", join(dir.path, "empty.png")], /empty\.png is an empty file/],
      [["--image", join(dir.path, "tiny.png")], /8x8 pixels: too small to carry a diagnosis/],
      [["--image", join(dir.path, "study")], /is a folder, not an image file/],
      [["--study", join(dir.path, "eval-png", "no")], /holds no readable DICOM image/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli("classify", "--model", MODEL, ...args);
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(!/EISDIR|ENOENT/.test(r.stderr), r.stderr);
    }
    const both = await runCli(
      "classify",
      "--model",
      MODEL,
      "--image",
      grey(0),
      "--study",
      dir.path,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --image <file> or --study/);
  });
});
