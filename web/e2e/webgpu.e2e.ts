import { basename } from "node:path";
import { chromium } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "./harness/chromium.ts";
import { expect, test } from "./harness/fixtures.ts";
import { vectorModel } from "./harness/models.ts";

const model = vectorModel();
// SwiftShader runs a 256x256 CNN in seconds: two vectors are enough to compare the backends.
const vectors = model.vectors.slice(0, 2);

/** Classifies the vector images on /classify with the backend forced, returns probability by file. */
async function probabilities(page: import("@playwright/test").Page, backend: "wasm" | "webgpu") {
  await page.goto(`/classify?backend=${backend}`);
  await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(model.onnx);
  await page.getByLabel("Model card (card.json)").setInputFiles(model.card);
  await page.getByRole("button", { name: "Open model" }).click();
  await expect(page.getByTestId("backend").locator("[data-kind]")).toHaveAttribute(
    "data-kind",
    backend,
    { timeout: 60_000 },
  );
  const images = vectors.map((v) => v.path);
  await page.getByLabel(/Choose MRI images/).setInputFiles(images);
  await expect(page.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    images.length,
    { timeout: 120_000 },
  );
  const out = new Map<string, number>();
  for (const row of await page.getByTestId("result-row").all()) {
    out.set(
      (await row.getByRole("rowheader").textContent()) ?? "",
      Number(await row.getByTestId("probability").getAttribute("data-value")),
    );
  }
  return out;
}

// SwiftShader's WebGPU is ~100x slower than a GPU: correctness only, on the few vector images.
test("WebGPU (SwiftShader) and WASM give the same probabilities", async ({ stack }) => {
  test.setTimeout(240_000);
  expect(vectors.length, "the model ships test vectors").toBeGreaterThan(0);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      ...chromiumArgs.filter((a) => a !== "--disable-gpu"),
      "--enable-unsafe-webgpu",
      "--use-angle=swiftshader",
      "--enable-features=Vulkan",
    ],
  });
  try {
    const page = await browser.newPage({ baseURL: stack.webUrl });
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    const hasAdapter = await page
      .goto("/")
      .then(() =>
        page.evaluate(async () =>
          Boolean(
            await (
              navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }
            ).gpu?.requestAdapter(),
          ),
        ),
      );
    expect(hasAdapter, "Chromium with --enable-unsafe-webgpu offers a (SwiftShader) adapter").toBe(
      true,
    );
    const gpu = await probabilities(page, "webgpu");
    const cpu = await probabilities(page, "wasm");
    for (const vector of vectors) {
      const name = basename(vector.path);
      expect(Math.abs((gpu.get(name) as number) - (cpu.get(name) as number)), name).toBeLessThan(
        1e-4,
      );
      expect(Math.abs((gpu.get(name) as number) - vector.probability), name).toBeLessThan(1e-4);
    }
  } finally {
    await browser.close();
  }
});
