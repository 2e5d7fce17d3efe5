// Issue 15: the consortium runs two tasks (docs/interfaces.md section 14). On a stack where
// `neuroledger up` published a demo model per task, a clinician switches the Overview between
// the tasks, downloads each task's latest model, and classifies one image with both: tumor or
// not, and which kind (class probabilities as bars, a heatmap of the predicted or a picked class).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { getLatestModelId } from "@neuroledger/chain/actions";
import { loadDeployment } from "@neuroledger/chain/deployment";
import { createPublicClient, http } from "viem";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, demoModel } from "./harness/models.ts";

const repoRoot = join(import.meta.dirname, "../..");
/** The type task's smoke model (training/models/smoke-type) and its PyTorch vectors. */
const typeModelDir = join(repoRoot, "training/models/smoke-type");

const BINARY = "brain-tumor-mri/binary";
const TYPE = "brain-tumor-mri/type";
const TYPE_LABELS = ["glioma", "meningioma", "no_tumor", "pituitary"];

/** The deployment's tasks with each registry's latest model id, read from the chain itself. */
async function latestModels(deploymentFile: string, rpcUrl: string) {
  const deployment = loadDeployment({ file: deploymentFile });
  const tasks = (
    deployment.contracts as { tasks?: { task: string; registry: { address: `0x${string}` } }[] }
  ).tasks;
  expect(
    tasks?.map((t) => t.task),
    "the deployment lists both tasks",
  ).toEqual([BINARY, TYPE]);
  const client = createPublicClient({ transport: http(rpcUrl) });
  return Object.fromEntries(
    await Promise.all(
      (tasks ?? []).map(
        async (t) =>
          [t.task, await getLatestModelId(client, { registry: t.registry.address })] as const,
      ),
    ),
  ) as Record<string, bigint>;
}

test("a clinician classifies one image with the latest model of both tasks (tumor? which kind?)", async ({
  page,
  stack,
  useWallet,
  requests,
}) => {
  test.setTimeout(300_000);
  const latest = await latestModels(stack.chain.deploymentFile, stack.rpcUrl);
  expect(latest[BINARY], "up published a binary model").toBeGreaterThan(0n);
  expect(latest[TYPE], "up published a type model").toBeGreaterThan(0n);

  await useWallet("staff");
  await page.goto("/");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("roles")).toHaveText("Staff");

  // The switcher: the binary task by default, the type task by its link; the task is in the URL.
  const switcher = page.getByTestId("task-switcher");
  await expect(switcher.locator(`a[data-task="${BINARY}"]`)).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expect(page.getByTestId("leaderboard")).toHaveAttribute("data-task", BINARY);
  await switcher.locator(`a[data-task="${TYPE}"]`).click();
  await expect(page).toHaveURL(/[?&]task=brain-tumor-mri%2Ftype/);
  await expect(switcher.locator(`a[data-task="${TYPE}"]`)).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("leaderboard")).toHaveAttribute("data-task", TYPE);
  await expect(page.getByTestId("leaderboard")).toContainText("macro F1");
  await page.screenshot({ path: join(artifactsDir, "overview-type-task.png"), fullPage: true });
  // A reload keeps the task (it lives in the URL); an unknown task is refused by name.
  await page.reload();
  await expect(page.getByTestId("leaderboard")).toHaveAttribute("data-task", TYPE);
  await page.goto("/?task=brain-tumor-mri%2Fgrade");
  await expect(page.locator("body")).toContainText('No task "brain-tumor-mri/grade"');

  for (const task of [TYPE, BINARY]) {
    const id = latest[task] as bigint;
    await page.goto(task === BINARY ? "/" : `/?task=${encodeURIComponent(task)}`);
    await page
      .getByTestId("latest")
      .getByRole("link", { name: `Model #${id}` })
      .click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Model #${id}`);
    await expect(page.getByTestId("model-task")).toBeVisible();
    await expect(page.locator("body")).toContainText(task);
    const matrix = page.getByRole("table", { name: /Confusion matrix/ });
    await expect(matrix).toBeVisible();
    const k = task === TYPE ? 4 : 2;
    await expect(matrix.locator("tbody tr")).toHaveCount(k);
    await expect(matrix.locator("tbody tr").first().locator("td")).toHaveCount(k);
    if (task === TYPE) {
      for (const label of TYPE_LABELS)
        await expect(matrix.getByRole("rowheader", { name: label })).toBeVisible();
      await expect(page.getByTestId("per-class").locator("tbody tr")).toHaveCount(4);
      await page.screenshot({ path: join(artifactsDir, "model-type-task.png"), fullPage: true });
    }
    await page.getByRole("button", { name: `Download model #${id}` }).click();
    await expect(page.getByTestId("download-done")).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId("download-done")).toContainText("sha256 matches the chain");
  }

  // Both models start on /classify (each task's latest, from this browser's cache).
  await page.goto("/classify");
  await expect(page.getByTestId("backend")).toContainText("Ready", { timeout: 60_000 });
  await expect(page.getByTestId("task-model")).toHaveCount(2, { timeout: 60_000 });
  const image = demoModel().samples[0] ?? (demoModel().vectors[0]?.path as string);
  await page.getByLabel(/Choose MRI images/).setInputFiles([image]);

  const sections = {
    [BINARY]: page.locator(`[data-testid="task-results"][data-task="${BINARY}"]`),
    [TYPE]: page.locator(`[data-testid="task-results"][data-task="${TYPE}"]`),
  };
  for (const [task, section] of Object.entries(sections)) {
    const row = section.locator('[data-testid="result-row"][data-status="done"]');
    await expect(row).toHaveCount(1, { timeout: 60_000 });
    await expect(row.getByRole("rowheader")).toHaveText(basename(image));
    const bars = row.getByTestId("class-bar");
    await expect(bars).toHaveCount(task === TYPE ? 4 : 2);
    const values = await bars.evaluateAll((els) =>
      els.map((el) => ({
        label: el.getAttribute("data-label") ?? "",
        value: Number(el.getAttribute("data-value")),
        text: el.textContent ?? "",
      })),
    );
    // Probabilities: one per label, summing to 1, each shown as text too.
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBeCloseTo(1, 4);
    for (const v of values) expect(v.text).toContain(`${(v.value * 100).toFixed(1)} %`);
    const top = values.reduce((a, b) => (b.value > a.value ? b : a));
    const headline = Number(await row.getByTestId("probability").getAttribute("data-value"));
    if (task === TYPE) {
      expect(values.map((v) => v.label)).toEqual(TYPE_LABELS);
      // No positive label: the predicted class and its probability; heatmap of that class.
      await expect(row.getByTestId("label")).toHaveAttribute("data-label", top.label);
      expect(headline).toBeCloseTo(top.value, 6);
      await expect(row.getByTestId("heatmap")).toHaveAttribute("data-label", top.label);
    } else {
      // Binary behaviour stays: the tumor probability, heatmap of the tumor class.
      expect(headline).toBeCloseTo(values.find((v) => v.label === "yes")?.value ?? -1, 6);
      await expect(row.getByTestId("heatmap")).toHaveAttribute("data-label", "yes");
    }
  }

  // The clinician picks another class's heatmap: redrawn, same probabilities, no new run.
  const typeRow = sections[TYPE].getByTestId("result-row");
  const heatmapPixels = () =>
    typeRow.getByLabel(/Heatmap over/).evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      return Array.from(c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? []);
    });
  const predicted = await typeRow.getByTestId("label").getAttribute("data-label");
  const other = TYPE_LABELS.find((l) => l !== predicted) as string;
  const before = await heatmapPixels();
  const probabilityBefore = await typeRow.getByTestId("probability").getAttribute("data-value");
  await sections[TYPE].getByTestId("heatmap-class").getByLabel(`“${other}”`).check();
  await expect(typeRow.getByTestId("heatmap")).toHaveAttribute("data-label", other);
  await expect(typeRow.getByTestId("heatmap")).toContainText(`Evidence for “${other}”`);
  expect(await heatmapPixels()).not.toEqual(before);
  await expect(typeRow.getByTestId("probability")).toHaveAttribute(
    "data-value",
    probabilityBefore ?? "",
  );
  // Back to the default: the predicted class again.
  await sections[TYPE]
    .getByTestId("heatmap-class")
    .getByLabel("each image's predicted class")
    .check();
  await expect(typeRow.getByTestId("heatmap")).toHaveAttribute("data-label", predicted ?? "");
  await page.screenshot({ path: join(artifactsDir, "classify-both-tasks.png"), fullPage: true });

  // The image never left the page.
  const bytes = readFileSync(image);
  const sample = bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 48);
  for (const request of requests) {
    const body = request.postDataBuffer();
    if (body) expect(body.includes(sample), `${request.url()} carried the image`).toBe(false);
    expect(request.url()).not.toContain(basename(image));
  }
});

test("a 4-class model from this computer: class probabilities and heatmap peaks as PyTorch gave them, any class's heatmap on demand", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const vectors = JSON.parse(readFileSync(join(typeModelDir, "vectors/vectors.json"), "utf8")) as {
    items: {
      image: string;
      probabilities: number[];
      predicted: string;
      peak: [number, number];
    }[];
  };
  await page.goto("/classify");
  await page.getByText("Use a model file from this computer").click();
  await page.getByLabel("ONNX file").setInputFiles(join(typeModelDir, "model.onnx"));
  await page.getByLabel("Model card (card.json)").setInputFiles(join(typeModelDir, "card.json"));
  await page.getByRole("button", { name: "Open model" }).click();
  await expect(page.getByTestId("backend")).toContainText(/Ready/, { timeout: 30_000 });
  await page
    .getByLabel(/Choose MRI images/)
    .setInputFiles(vectors.items.map((item) => join(typeModelDir, "vectors", item.image)));

  const section = page.getByTestId("task-results");
  const rows = section.getByTestId("result-row");
  await expect(rows).toHaveCount(vectors.items.length);
  await expect(section.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    vectors.items.length,
    { timeout: 60_000 },
  );
  // The header names what the column holds for a model without a positive label.
  await expect(
    section.getByRole("columnheader", { name: "Probability", exact: true }),
  ).toBeVisible();
  for (const [i, item] of vectors.items.entries()) {
    const row = rows.nth(i);
    const bars = await row
      .getByTestId("class-bar")
      .evaluateAll((els) =>
        els.map((el) => [el.getAttribute("data-label"), Number(el.getAttribute("data-value"))]),
      );
    expect(bars.map(([label]) => label)).toEqual(TYPE_LABELS);
    for (const [k, [, value]] of bars.entries())
      expect(Math.abs((value as number) - (item.probabilities[k] as number))).toBeLessThan(1e-4);
    await expect(row.getByTestId("label")).toHaveAttribute("data-label", item.predicted);
    await expect(row.getByTestId("label")).toHaveText(item.predicted);
    const heatmap = row.getByTestId("heatmap");
    await expect(heatmap).toHaveAttribute("data-label", item.predicted);
    // The vectors' peak is the predicted class's; the page's within one input pixel of it.
    const [x, y] = ((await heatmap.getAttribute("data-peak")) ?? "").split(",").map(Number);
    expect(Math.abs((x as number) - item.peak[0])).toBeLessThanOrEqual(3);
    expect(Math.abs((y as number) - item.peak[1])).toBeLessThanOrEqual(3);
  }

  // Picking a class shows its heatmap on every row; the probabilities stay as they were.
  const picker = section.getByTestId("heatmap-class");
  await picker.getByLabel("“glioma”").check();
  for (let i = 0; i < vectors.items.length; i++)
    await expect(rows.nth(i).getByTestId("heatmap")).toHaveAttribute("data-label", "glioma");
  await expect(rows.first().getByTestId("heatmap")).toContainText("Evidence for “glioma”");
  const first = vectors.items[0];
  const p0 = Number(await rows.first().getByTestId("probability").getAttribute("data-value"));
  expect(Math.abs(p0 - Math.max(...(first?.probabilities ?? [])))).toBeLessThan(1e-4);
  // Images added now get the picked class's heatmap too.
  await page
    .getByLabel(/Choose MRI images/)
    .setInputFiles([join(typeModelDir, "vectors", "v0.png")]);
  await expect(section.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    vectors.items.length + 1,
    { timeout: 30_000 },
  );
  await expect(rows.last().getByTestId("heatmap")).toHaveAttribute("data-label", "glioma");
  await page.screenshot({ path: join(artifactsDir, "classify-type-model.png"), fullPage: true });
});
