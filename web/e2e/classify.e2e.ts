import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
  await expect(rows.nth(images.length + 1)).toContainText("notes.png is not a JPEG or PNG image");
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
