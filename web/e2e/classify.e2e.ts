import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseModelCard } from "@neuroledger/sdk/card";
import { classifyImage, formatOodFigure } from "@neuroledger/sdk/inference";
import { createNodeRuntime, encodePng } from "@neuroledger/sdk/node";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, demoModel, type V2VectorItem, v2Model } from "./harness/models.ts";

const model = demoModel();

/** A fixed pseudo-random grey level in [0, 255] for pixel (x, y): an integer hash, no state. */
function noise(x: number, y: number): number {
  let h = Math.imul(x + 1, 0x9e3779b1) ^ Math.imul(y + 1, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) % 256;
}

/** A few bytes from the middle of a file: if any request carried the file, it carried these. */
function fingerprint(path: string): Buffer {
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 2);
  return bytes.subarray(at, at + 48);
}

test("classifies a batch in the page, shows heatmaps, and never sends the images anywhere", async ({
  page,
  requests,
}) => {
  const images = model.samples.length > 0 ? model.samples : model.vectors.map((v) => v.path);
  expect(images.length, "the demo model ships sample images").toBeGreaterThan(0);

  await page.goto("/classify");
  await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(model.onnx);
  await page.getByLabel("Model card (card.json)").setInputFiles(model.card);
  await page.getByRole("button", { name: "Open model" }).click();
  // No WebGPU adapter in this headless Chromium: threaded WASM (the page is cross-origin isolated).
  await expect(page.getByTestId("backend")).toContainText(/on WebAssembly, [2-4] threads/, {
    timeout: 30_000,
  });

  // Bad input, as files a clinician might pick: a truncated JPEG, text named .png, a 51 MB PNG.
  const bad = mkdtempSync(join(tmpdir(), "nl-bad-images-"));
  const badFiles = {
    "corrupt.jpg": Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]),
    "notes.png": Buffer.from("these are not pixels"),
    "huge.png": Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(51 * 1024 * 1024),
    ]),
  };
  for (const [name, bytes] of Object.entries(badFiles)) writeFileSync(join(bad, name), bytes);
  await page
    .getByLabel(/Choose MRI images/)
    .setInputFiles([...images, ...Object.keys(badFiles).map((name) => join(bad, name))]);

  const rows = page.getByTestId("result-row");
  await expect(rows).toHaveCount(images.length + 3);
  await expect(page.locator('[data-testid="result-row"][data-status="pending"]')).toHaveCount(0, {
    timeout: 60_000,
  });
  await expect(page.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    images.length,
  );

  for (const [i, path] of images.entries()) {
    const row = rows.nth(i);
    await expect(row.getByRole("rowheader")).toHaveText(basename(path));
    const probability = Number(await row.getByTestId("probability").getAttribute("data-value"));
    expect(probability).toBeGreaterThanOrEqual(0);
    expect(probability).toBeLessThanOrEqual(1);
    const vector = model.vectors.find((v) => v.path === path);
    if (vector) expect(Math.abs(probability - vector.probability)).toBeLessThan(1e-4);
    await expect(row.getByLabel(`Heatmap over ${basename(path)}`)).toBeVisible();
  }
  await expect(rows.nth(images.length)).toContainText("corrupt.jpg could not be decoded");
  await expect(rows.nth(images.length + 1)).toContainText(
    "notes.png is not an image format NeuroLedger knows: only PNG, JPEG and DICOM",
  );
  await expect(rows.nth(images.length + 2)).toContainText(
    "huge.png is 51 MB: files over 50 MB are refused",
  );

  // Chromium reads picked files lazily: remove them only once every row has settled.
  rmSync(bad, { recursive: true, force: true });
  await page.screenshot({ path: join(artifactsDir, "classify.png"), fullPage: true });

  // The network log: no request carried any of the images, in its URL or its body.
  for (const path of images) {
    const needle = fingerprint(path);
    for (const request of requests) {
      expect(request.url()).not.toContain(basename(path));
      const body = request.postDataBuffer();
      if (body)
        expect(
          body.includes(needle),
          `${request.method()} ${request.url()} carried ${basename(path)}`,
        ).toBe(false);
    }
  }
  expect(requests.length).toBeGreaterThan(0);
});

test("a v2 model: the class activation heatmap sits on the head's region, its peak and the OOD score match training's, and out-of-distribution images are flagged", async ({
  page,
}) => {
  const model = v2Model();
  const vectors = model.vectors as unknown as V2VectorItem[];
  expect(vectors.length, "the v2 model ships vectors").toBeGreaterThan(0);
  // Besides the vectors (training's figures), two synthetic images unlike any MRI, whose expected
  // figures come from the SDK in Node (onnxruntime-node): stripes are far out of distribution.
  const synthetic = mkdtempSync(join(tmpdir(), "nl-ood-images-"));
  const card = parseModelCard(readFileSync(model.card, "utf8"));
  const runtime = await createNodeRuntime(model.onnx);
  const patterns: Record<string, (x: number, y: number) => number> = {
    "stripes.png": (x) => (Math.floor(x / 6) % 2 ? 255 : 40),
    "checker.png": (x, y) => ((Math.floor(x / 20) + Math.floor(y / 20)) % 2 ? 230 : 30),
    // Seeded uniform noise: on the demo its cosine part stays under the threshold, so only the
    // Mahalanobis part of the score can flag it.
    "noise.png": (x, y) => noise(x, y),
  };
  const items: V2VectorItem[] = [...vectors];
  for (const [name, shade] of Object.entries(patterns)) {
    const [width, height] = [240, 200];
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data.set([shade(x, y), shade(x, y), shade(x, y), 255], (y * width + x) * 4);
    const path = join(synthetic, name);
    writeFileSync(path, encodePng({ width, height, data }));
    const result = await classifyImage(runtime, { width, height, data }, card);
    const { left, top, width: size } = result.region;
    items.push({
      image: name,
      path,
      probability: result.probability,
      region: { left, top, size },
      peak: [result.peak.x, result.peak.y],
      oodScore: result.ood?.score as number,
    });
  }
  // No pattern is an MRI: the warning must fire on each.
  for (const item of items.filter((item) => item.image in patterns)) {
    expect(item.oodScore, `${item.image}: OOD score above the threshold`).toBeGreaterThan(
      model.oodThreshold,
    );
  }

  await page.goto("/classify");
  await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(model.onnx);
  await page.getByLabel("Model card (card.json)").setInputFiles(model.card);
  await page.getByRole("button", { name: "Open model" }).click();
  await expect(page.getByTestId("backend")).toContainText(/Ready/, { timeout: 30_000 });
  await page.getByLabel(/Choose MRI images/).setInputFiles(items.map((item) => item.path));
  const rows = page.getByTestId("result-row");
  await expect(page.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    items.length,
    { timeout: 60_000 },
  );

  let heatShown = 0;
  for (const [i, item] of items.entries()) {
    const row = rows.nth(i);
    await expect(row.getByRole("rowheader")).toHaveText(item.image);
    const probability = Number(await row.getByTestId("probability").getAttribute("data-value"));
    expect(Math.abs(probability - item.probability), item.image).toBeLessThan(1e-4);
    const heatmap = row.getByTestId("heatmap");
    await expect(heatmap).toHaveAttribute("data-method", "cam");
    await expect(heatmap).toContainText("class activation map");
    const { left, top, size } = item.region;
    await expect(heatmap).toHaveAttribute("data-region", `${left},${top},${size},${size}`);
    const [px, py] = ((await heatmap.getAttribute("data-peak")) ?? "").split(",").map(Number);
    const step = Math.ceil(size / model.inputSize);
    expect(Math.abs((px as number) - item.peak[0]), `${item.image} peak x`).toBeLessThanOrEqual(
      step,
    );
    expect(Math.abs((py as number) - item.peak[1]), `${item.image} peak y`).toBeLessThanOrEqual(
      step,
    );
    const score = Number(await row.getByTestId("ood-score").getAttribute("data-value"));
    expect(Math.abs(score - item.oodScore), `${item.image} OOD score`).toBeLessThanOrEqual(
      1e-3 * item.oodScore,
    );
    const warning = row.getByTestId("ood-warning");
    if (item.oodScore > model.oodThreshold) {
      await expect(warning).toBeVisible();
      await expect(warning).toContainText(
        `Out of distribution: this image is unlike the images the model was trained on (score ${formatOodFigure(score)} > ${formatOodFigure(model.oodThreshold)})`,
      );
    } else {
      await expect(warning).toHaveCount(0);
    }
    // The images are grey: a coloured pixel is heat. Heat lies only inside the region (scaled to
    // the preview), never over the border the crop left out.
    const outside = await row.getByLabel(`Heatmap over ${item.image}`).evaluate(
      (canvas, region) => {
        const c = canvas as HTMLCanvasElement;
        const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data;
        if (!data) throw new Error("no canvas pixels");
        const scale = c.width / region.imageWidth;
        let heat = 0;
        let heatOutside = 0;
        for (let y = 0; y < c.height; y++)
          for (let x = 0; x < c.width; x++) {
            const p = (y * c.width + x) * 4;
            if (data[p] === data[p + 1] && data[p + 1] === data[p + 2]) continue;
            heat++;
            const inside =
              x >= Math.floor(region.left * scale) - 1 &&
              x <= Math.ceil((region.left + region.size) * scale) &&
              y >= Math.floor(region.top * scale) - 1 &&
              y <= Math.ceil((region.top + region.size) * scale);
            if (!inside) heatOutside++;
          }
        return { heat, heatOutside };
      },
      {
        left,
        top,
        size,
        imageWidth: Number(
          (await row.getByTestId("label").locator("..").textContent())?.match(/(\d+)×\d+/)?.[1],
        ),
      },
    );
    // A map with no evidence for the class anywhere is all zeros: count heat over all images.
    heatShown += outside.heat;
    expect(outside.heatOutside, `${item.image}: heat outside the region`).toBe(0);
  }
  expect(heatShown, "heat shows on the images").toBeGreaterThan(0);
  rmSync(synthetic, { recursive: true, force: true });
  await page.screenshot({ path: join(artifactsDir, "classify-v2.png"), fullPage: true });
});
