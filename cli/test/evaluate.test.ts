// `evaluate` and `classify` through the CLI entry, against the training package's own evaluation
// (PyTorch) and test vectors.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeImage } from "@neuroledger/sdk/node";
import { REPO_ROOT } from "./helpers/models.ts";
import { BIN, tempDir } from "./helpers/nodeProcess.ts";

const SMOKE = join(REPO_ROOT, "training", "models", "smoke");

function run(
  cmd: string,
  args: string[],
  cwd = REPO_ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NEUROLEDGER_STACK: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) as string);

describe("evaluate and classify", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let data: string;

  before(async () => {
    dir = await tempDir("evaluate");
    // A labelled folder from the smoke model's test-vector images, plus one unreadable file.
    data = join(dir.path, "data");
    for (const [cls, files] of [
      ["no", ["v0.png", "v1.png"]],
      ["yes", ["v2.png", "v3.png"]],
    ] as const) {
      await mkdir(join(data, cls), { recursive: true });
      for (const f of files) await copyFile(join(SMOKE, "vectors", f), join(data, cls, f));
    }
    await writeFile(join(data, "yes", "broken.png"), "not an image");
  });
  after(async () => {
    await dir?.remove();
  });

  test("`evaluate --json` prints the same line as `training evaluate --json`", async () => {
    const ours = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      data,
      "--json",
    ]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await run(
      "/usr/bin/python3",
      ["-m", "neuroledger_training.cli", "evaluate", "--model", SMOKE, "--data", data, "--json"],
      join(REPO_ROOT, "training"),
    );
    assert.equal(theirs.code, 0, theirs.stderr);
    const a = lastJson(ours.stdout);
    const b = lastJson(theirs.stdout);
    assert.deepEqual(Object.keys(a), Object.keys(b), "same keys in the same order");
    assert.deepEqual(a.confusion, b.confusion);
    assert.equal(a.n, 4);
    assert.equal(a.unreadable, 1);
    assert.deepEqual(a.labels, b.labels);
    for (const k of ["accuracy", "precision", "recall", "f1", "auc"])
      assert.ok(Math.abs(a[k] - b[k]) < 1e-9, `${k}: ${a[k]} vs ${b[k]}`);
  });

  test("`classify --json --heatmap` gives the vectors' probability and writes the overlay", async () => {
    const vectors = JSON.parse(await readFile(join(SMOKE, "vectors", "vectors.json"), "utf8"));
    const item = vectors.items[2];
    const out = join(dir.path, "heatmap.png");
    const r = await run(process.execPath, [
      BIN,
      "classify",
      "--model",
      join(SMOKE, "model.onnx"),
      "--image",
      join(SMOKE, "vectors", item.image),
      "--json",
      "--heatmap",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const result = lastJson(r.stdout);
    assert.ok(
      Math.abs(result.probability - item.probability) < 1e-5,
      `${result.probability} vs ${item.probability}`,
    );
    assert.deepEqual(
      result.logits.map((x: number) => Math.round(x * 1e4)),
      item.logits.map((x: number) => Math.round(x * 1e4)),
    );
    const image = decodeImage(await readFile(join(SMOKE, "vectors", item.image)));
    const overlay = decodeImage(await readFile(out));
    assert.equal(overlay.width, image.width);
    assert.equal(overlay.height, image.height);
  });

  test("class folders that are not the card's labels are refused with exit code 3", async () => {
    const other = join(dir.path, "other");
    for (const cls of ["cat", "dog"]) {
      await mkdir(join(other, cls), { recursive: true });
      await copyFile(join(SMOKE, "vectors", "v0.png"), join(other, cls, "a.png"));
    }
    const r = await run(process.execPath, [BIN, "evaluate", "--model", SMOKE, "--data", other]);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /class folders \["cat","dog"\] .* do not match the model's labels \["no","yes"\]/,
    );
  });

  test("a missing image and bad flags give clear errors and their exit codes", async () => {
    const missing = await run(process.execPath, [
      BIN,
      "classify",
      "--model",
      SMOKE,
      "--image",
      join(dir.path, "nope.png"),
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nope\.png/);
    const usage = await run(process.execPath, [BIN, "download", "not-a-number", "--out", "x"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /not a numeric id/);
  });
});
