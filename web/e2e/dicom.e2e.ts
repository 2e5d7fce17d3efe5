// DICOM in the page: single files beside the PNG of the same pixels, and a dropped series with its
// per-series / per-study result, strip, scrolling and window/level. DICOM is made at test time
// (pydicom via sdk/src/dicom/testing/make_dicom.py, dcmtk) from the v2 model's Br35H vector images.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelCard } from "@neuroledger/sdk/card";
import { type Classification, classifyImage, tumorLabel } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile } from "@neuroledger/sdk/node";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, v2Model } from "./harness/models.ts";

const PYTHON = "/usr/bin/python3";
const MAKE_DICOM = join(
  import.meta.dirname,
  "..",
  "..",
  "sdk",
  "src",
  "dicom",
  "testing",
  "make_dicom.py",
);
const SECRET = { patientName: "SECRET^PATIENT", patientId: "PID-7734-XYZ" };

test("DICOM files and a dropped series classify in the page as in Node, with no patient data sent", async ({
  page,
  requests,
}) => {
  test.setTimeout(180_000);
  const model = v2Model();
  const dir = mkdtempSync(join(tmpdir(), "nl-dicom-e2e-"));
  const vectorDir = join(model.card, "..", "vectors");
  execFileSync(PYTHON, [
    "-c",
    "import sys\nfrom PIL import Image\nfor i in range(4): Image.open(f'{sys.argv[1]}/v{i}.png').convert('L').save(f'{sys.argv[2]}/grey{i}.png')",
    vectorDir,
    dir,
  ]);
  const series = [2, 0, 3, 1].map((k, i) => ({
    ...SECRET,
    image: join(dir, `grey${k}.png`),
    out: join(dir, `IM${i}.dcm`),
    series: "1.2.826.0.1.3680043.99.5",
    position: [0, 0, 5 * k],
  }));
  const single = { ...SECRET, image: join(dir, "grey1.png"), out: join(dir, "single.dcm") };
  writeFileSync(join(dir, "spec.json"), JSON.stringify([...series, single]));
  execFileSync(PYTHON, [MAKE_DICOM, join(dir, "spec.json")]);
  execFileSync("dcmcjpls", [single.out, join(dir, "single-jls.dcm")]);
  // One slice of the series JPEG-LS compressed: the study workers decode it with the WASM codec.
  const compressedSlice = join(dir, "IM1-jls.dcm");
  execFileSync("dcmcjpls", [series[1]?.out as string, compressedSlice]);
  const nifti = new Uint8Array(352);
  new DataView(nifti.buffer).setInt32(0, 348, true);
  nifti.set(new TextEncoder().encode("n+1\0"), 344);
  writeFileSync(join(dir, "brain.nii"), nifti);
  execFileSync(PYTHON, [
    "-c",
    "import sys; from PIL import Image; Image.new('L', (8, 8), 90).save(sys.argv[1])",
    join(dir, "tiny.png"),
  ]);

  // Expected probabilities from the SDK in Node (as the CLI computes them).
  const card = parseModelCard(readFileSync(model.card, "utf8"));
  const runtime = await createNodeRuntime(model.onnx);
  const inNode = await Promise.all(
    [0, 1, 2, 3].map(async (k) =>
      classifyImage(runtime, await readImageFile(join(dir, `grey${k}.png`)), card),
    ),
  );
  const expected = inNode.map((c) => c.probability);
  // A confident model's probabilities sit at 0 or 1 for most images, where a wrong orientation or
  // decode would still match them: the OOD score (of the pooled features) is compared as well.
  const oodOf = (c: { ood: { score: number } | null }) => {
    if (!c.ood) throw new Error("the model's card has no OOD statistics");
    return c.ood.score;
  };
  const sameOod = (page: number, node: number, what: string) =>
    expect(
      Math.abs(page - node) / node,
      `${what}: OOD score ${page} vs ${node}`,
    ).toBeLessThanOrEqual(1e-3);

  await page.goto("/classify");
  await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(model.onnx);
  await page.getByLabel("Model card (card.json)").setInputFiles(model.card);
  await page.getByRole("button", { name: "Open model" }).click();
  await expect(page.getByTestId("backend")).toContainText(/Ready/, { timeout: 30_000 });

  // EXIF orientation 6 (PNG eXIf and JPEG APP1): the page must turn them upright as training does.
  execFileSync(PYTHON, [
    "-c",
    "import sys\nfrom PIL import Image, ImageOps\nsrc = Image.open(sys.argv[1])\nexif = Image.Exif(); exif[0x0112] = 6\nsrc.save(sys.argv[2] + '/o6.png', exif=exif.tobytes())\nsrc.save(sys.argv[2] + '/o6.jpg', exif=exif.tobytes(), quality=95)\nImageOps.exif_transpose(Image.open(sys.argv[2] + '/o6.png')).save(sys.argv[2] + '/upright.png')",
    join(dir, "grey3.png"),
    dir,
  ]);
  const uprightResult = await classifyImage(
    runtime,
    await readImageFile(join(dir, "upright.png")),
    card,
  );
  const upright = uprightResult.probability;
  const jpegInNode = (await classifyImage(runtime, await readImageFile(join(dir, "o6.jpg")), card))
    .probability;
  const files = [
    "grey1.png",
    "single.dcm",
    "single-jls.dcm",
    "brain.nii",
    "tiny.png",
    "o6.png",
    "o6.jpg",
  ];
  await page.getByLabel(/Choose MRI images/).setInputFiles(files.map((f) => join(dir, f)));
  const rows = page.getByTestId("result-row");
  await expect(rows).toHaveCount(files.length);
  await expect(page.locator('[data-testid="result-row"][data-status="pending"]')).toHaveCount(0, {
    timeout: 60_000,
  });
  const oodInPage = async (i: number) =>
    Number(await rows.nth(i).getByTestId("ood-score").getAttribute("data-value"));
  for (const i of [0, 1, 2]) {
    const p = Number(await rows.nth(i).getByTestId("probability").getAttribute("data-value"));
    expect(Math.abs(p - (expected[1] as number)), files[i]).toBeLessThanOrEqual(1e-4);
    sameOod(await oodInPage(i), oodOf(inNode[1] as Classification), files[i] as string);
  }
  await expect(rows.nth(3)).toContainText("brain.nii is a NIfTI volume");
  await expect(rows.nth(4)).toContainText("too small to carry a diagnosis");
  const o6png = Number(await rows.nth(5).getByTestId("probability").getAttribute("data-value"));
  expect(
    Math.abs(o6png - upright),
    "PNG eXIf orientation 6 as Pillow's exif_transpose",
  ).toBeLessThanOrEqual(1e-4);
  sameOod(await oodInPage(5), oodOf(uprightResult), "PNG eXIf orientation 6");
  // JPEG decoders differ by a few levels (libjpeg-turbo vs jpeg-js), not by a rotation.
  const o6jpg = Number(await rows.nth(6).getByTestId("probability").getAttribute("data-value"));
  expect(
    Math.abs(o6jpg - jpegInNode),
    "JPEG orientation 6 as the CLI reads it",
  ).toBeLessThanOrEqual(0.02);
  // The checks above mean something only if the rotation changes what the model sees.
  const unrotated = oodOf(inNode[3] as Classification);
  expect(
    Math.abs(unrotated - oodOf(uprightResult)) / unrotated,
    "the rotation changes the result",
  ).toBeGreaterThan(1e-2);

  // The series, picked as files in shuffled order.
  await page
    .getByLabel("Choose DICOM files or a zip")
    .setInputFiles(series.map((s, i) => (i === 1 ? compressedSlice : s.out)));
  await expect(page.getByTestId("study-result")).toBeVisible({ timeout: 60_000 });
  const view = page.getByTestId("series");
  await expect(view).toHaveCount(1);
  const max = Math.max(...expected);
  const study = Number(await page.getByTestId("study-result").getAttribute("data-probability"));
  expect(Math.abs(study - max)).toBeLessThanOrEqual(1e-4);
  // On WASM the slices were read by study workers (one session per core), not in the page.
  await expect(page.getByTestId("study-elapsed")).toContainText(/on \d+ study workers?/);
  // Opens on the most suspicious slice; in position order slice k + 1 is grey k.
  const top = expected.indexOf(max) + 1;
  await expect(page.getByTestId("slice-index")).toHaveText(String(top));
  const shown = Number(await page.getByTestId("slice-probability").getAttribute("data-value"));
  expect(Math.abs(shown - max)).toBeLessThanOrEqual(1e-4);
  await expect(page.getByTestId("top-slice")).toHaveCount(4);
  await expect(page.getByTestId("positive-slices")).toHaveText(
    String(expected.filter((p) => p > 0.5).length),
  );
  // Scroll to slice 1, check its probability is grey0's; drag changes the display window only.
  const viewer = view.getByRole("slider");
  await viewer.hover();
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -100);
  await expect(page.getByTestId("slice-index")).toHaveText("1");
  const first = Number(await page.getByTestId("slice-probability").getAttribute("data-value"));
  expect(Math.abs(first - (expected[0] as number))).toBeLessThanOrEqual(1e-4);
  const before = await page.getByTestId("slice-info").textContent();
  const box = await viewer.boundingBox();
  if (!box) throw new Error("no viewer box");
  await page.mouse.move(box.x + 50, box.y + 50);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + 90, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId("slice-info")).not.toHaveText(before ?? "");
  expect(Number(await page.getByTestId("slice-probability").getAttribute("data-value"))).toBe(
    first,
  );

  // With the tumor-type task's model loaded too, each series names the type on its most
  // suspicious slice: the type model's reading of that slice, as in Node.
  const typeDir = join(import.meta.dirname, "..", "..", "training", "models", "smoke-type");
  const typeCard = parseModelCard(readFileSync(join(typeDir, "card.json"), "utf8"));
  const typeInNode = await classifyImage(
    await createNodeRuntime(join(typeDir, "model.onnx")),
    await readImageFile(join(dir, `grey${top - 1}.png`)),
    typeCard,
  );
  const typeLabel = tumorLabel(typeInNode.probabilities, typeCard);
  // The model-file form is still open from the first model (a click on its summary would close it).
  const openModel = page.getByRole("button", { name: "Open model" });
  if (!(await openModel.isVisible()))
    await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(join(typeDir, "model.onnx"));
  await page.getByLabel("Model card (card.json)").setInputFiles(join(typeDir, "card.json"));
  await openModel.click();
  await expect(page.getByTestId("task-model")).toHaveCount(2, { timeout: 30_000 });
  await page
    .getByLabel("Choose DICOM files or a zip")
    .setInputFiles(series.map((s, i) => (i === 1 ? compressedSlice : s.out)));
  const tumorType = page.getByTestId("series-tumor-type");
  await expect(tumorType).toHaveAttribute("data-label", typeLabel, { timeout: 60_000 });
  const typeProbability = Number(await tumorType.getAttribute("data-value"));
  expect(
    Math.abs(typeProbability - (typeInNode.probabilities[typeLabel] as number)),
  ).toBeLessThanOrEqual(1e-4);
  await page.screenshot({
    path: join(artifactsDir, "dicom-series-tumor-type.png"),
    fullPage: true,
  });

  // Nothing of the files or their patient attributes left the page.
  await expect(page.locator("body")).not.toContainText("SECRET");
  const needle = readFileSync(single.out).subarray(-64);
  for (const request of requests) {
    expect(request.url()).not.toContain("SECRET");
    expect(request.url()).not.toContain(".dcm");
    const body = request.postDataBuffer();
    if (body) {
      expect(body.includes("SECRET^PATIENT")).toBe(false);
      expect(body.includes("PID-7734-XYZ")).toBe(false);
      expect(body.includes(needle)).toBe(false);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});
