import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, demoModel } from "./harness/models.ts";

const model = demoModel();

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

  const corrupt = {
    name: "corrupt.jpg",
    mimeType: "image/jpeg",
    buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]),
  };
  const notAnImage = {
    name: "notes.png",
    mimeType: "image/png",
    buffer: Buffer.from("these are not pixels"),
  };
  await page.getByLabel(/Choose MRI images/).setInputFiles(
    [...images, corrupt, notAnImage].map((f) =>
      typeof f === "string"
        ? {
            name: basename(f),
            mimeType: f.endsWith(".png") ? "image/png" : "image/jpeg",
            buffer: readFileSync(f),
          }
        : f,
    ),
  );

  const rows = page.getByTestId("result-row");
  await expect(rows).toHaveCount(images.length + 2);
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
  await expect(rows.nth(images.length + 1)).toContainText("notes.png is not a JPEG or PNG image");

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
