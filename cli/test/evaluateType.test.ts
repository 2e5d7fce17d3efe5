// `evaluate` and `classify` of a model without a positive label (the type task, 4 classes) through
// the CLI entry, against the training package's own evaluation (PyTorch) and its smoke-type vectors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { evaluationSummary, TASKS, TYPE_TASK } from "@neuroledger/sdk/card";
import { decodeImage } from "@neuroledger/sdk/node";
import { parse } from "csv-parse/sync";
import { submitEvaluation } from "../src/commands/submitEvaluation.ts";
import type { Connection } from "../src/config.ts";
import { REPO_ROOT } from "./helpers/models.ts";
import { tempDir } from "./helpers/nodeProcess.ts";
import { lastJson, runCli, runTraining } from "./helpers/run.ts";

const SMOKE_TYPE = join(REPO_ROOT, "training", "models", "smoke-type");
const SMOKE_V1 = join(REPO_ROOT, "training", "models", "smoke-v1");
const LABELS = ["glioma", "meningioma", "no_tumor", "pituitary"];
const PYTHON = "/usr/bin/python3";
const MAKE_DICOM = join(REPO_ROOT, "sdk", "src", "dicom", "testing", "make_dicom.py");

type Vector = {
  image: string;
  probabilities: number[];
  predicted: string;
  peak: [number, number];
  region: { size: number };
};

/** Same keys in the same order, numbers within 1e-9, everything else equal. */
function assertSameJson(a: unknown, b: unknown, path = "result"): void {
  if (typeof a === "number" && typeof b === "number") {
    assert.ok(Math.abs(a - b) <= 1e-9, `${path}: ${a} vs ${b}`);
    return;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    assert.deepEqual(a, b, path);
    return;
  }
  assert.deepEqual(Object.keys(a), Object.keys(b), `${path}: keys`);
  for (const key of Object.keys(a))
    assertSameJson(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
}

describe("evaluate and classify a model without a positive label (type task)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let data: string;
  let vectors: Vector[];

  before(async () => {
    dir = await tempDir("evaluate-type");
    vectors = JSON.parse(await readFile(join(SMOKE_TYPE, "vectors", "vectors.json"), "utf8")).items;
    // Folders by type, Br35H-like `no` (-> no_tumor) and `yes` (a tumor of unknown type), one unreadable file.
    data = join(dir.path, "data");
    for (const [folder, files] of [
      ["glioma", ["v0.png", "v1.png"]],
      ["meningioma", ["v2.png", "v3.png"]],
      ["no", ["v4.png", "v5.png"]],
      ["pituitary", ["v6.png", "v7.png"]],
      ["yes", ["v8.png"]],
    ] as const) {
      await mkdir(join(data, folder), { recursive: true });
      for (const f of files) await copyFile(join(SMOKE_TYPE, "vectors", f), join(data, folder, f));
    }
    await writeFile(join(data, "pituitary", "broken.png"), "not an image");
  });
  after(async () => {
    await dir?.remove();
  });

  test("`evaluate --json` prints K-class metrics (macro, per class, 4 x 4 confusion, untyped tumors) as `training evaluate --json`", async () => {
    const ours = await runCli("evaluate", "--model", SMOKE_TYPE, "--data", data, "--json");
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await runTraining("evaluate", "--model", SMOKE_TYPE, "--data", data, "--json");
    assert.equal(theirs.code, 0, theirs.stderr);
    const a = lastJson(ours.stdout);
    assertSameJson(a, lastJson(theirs.stdout));
    assert.deepEqual(a.labels, LABELS);
    assert.equal(a.n, 8, "the untyped tumor is not in the metrics");
    assert.equal(a.unreadable, 1);
    assert.deepEqual(Object.keys(a.perClass), LABELS);
    assert.equal(a.confusion.length, 4);
    assert.deepEqual(
      a.confusion.map((row: number[]) => row.reduce((x, y) => x + y, 0)),
      [2, 2, 2, 2],
      "rows count each folder's images (no -> no_tumor)",
    );
    assert.equal(a.untypedTumors.n, 1);
    const meanF1 = LABELS.reduce((sum, label) => sum + a.perClass[label].f1, 0) / 4;
    assert.ok(Math.abs(a.f1 - meanF1) < 1e-12, "f1 is the macro F1 (every label is present)");
  });

  test("`evaluate --predictions` adds one p_<label> column per label, the predicted label's probability and peak, as training", async () => {
    const ours = join(dir.path, "ours.csv");
    const theirs = join(dir.path, "theirs.csv");
    const a = await runCli(
      "evaluate",
      "--model",
      SMOKE_TYPE,
      "--data",
      data,
      "--predictions",
      ours,
    );
    assert.equal(a.code, 0, a.stderr);
    const b = await runTraining(
      "evaluate",
      "--model",
      SMOKE_TYPE,
      "--data",
      data,
      "--predictions",
      theirs,
    );
    assert.equal(b.code, 0, b.stderr);
    const mine = await readFile(ours, "utf8");
    const reference = await readFile(theirs, "utf8");
    const header = mine.split(/\r?\n/)[0];
    assert.equal(
      header,
      "file,label,predicted,probability,peak_x,peak_y,p_glioma,p_meningioma,p_no_tumor,p_pituitary",
    );
    assert.equal(header, reference.split(/\r?\n/)[0]);
    const rows: Record<string, string>[] = parse(mine, { columns: true });
    const others: Record<string, string>[] = parse(reference, { columns: true });
    assert.deepEqual(
      rows.map((r) => [r.file, r.label, r.predicted]),
      others.map((r) => [r.file, r.label, r.predicted]),
    );
    assert.equal(rows.at(-1)?.label, "tumor", "the untyped tumor keeps its data label");
    const card = JSON.parse(await readFile(join(SMOKE_TYPE, "card.json"), "utf8"));
    const side = card.preprocessing.resize.width as number;
    for (const [i, row] of rows.entries()) {
      const other = others[i] as Record<string, string>;
      const p = LABELS.map((label) => Number(row[`p_${label}`]));
      assert.ok(Math.abs(p.reduce((x, y) => x + y, 0) - 1) < 1e-5, `${row.file}: p sums to 1`);
      assert.equal(
        row.probability,
        row[`p_${row.predicted}`],
        `${row.file}: probability = p(predicted)`,
      );
      assert.equal(row.predicted, LABELS[p.indexOf(Math.max(...p))]);
      for (const column of ["probability", ...LABELS.map((l) => `p_${l}`)])
        assert.ok(
          Math.abs(Number(row[column]) - Number(other[column])) <= 2e-6,
          `${row.file} ${column}: ${row[column]} vs ${other[column]}`,
        );
      const image = decodeImage(await readFile(join(data, row.file as string)));
      const step = Math.ceil(Math.max(image.width, image.height) / side);
      assert.ok(
        Math.abs(Number(row.peak_x) - Number(other.peak_x)) <= step &&
          Math.abs(Number(row.peak_y) - Number(other.peak_y)) <= step,
        `${row.file}: peak ${row.peak_x},${row.peak_y} vs ${other.peak_x},${other.peak_y}`,
      );
    }
  });

  test("`evaluate` prints the macro figures, a per-class table and the labelled 4 x 4 confusion", async () => {
    const r = await runCli("evaluate", "--model", SMOKE_TYPE, "--data", data);
    assert.equal(r.code, 0, r.stderr);
    const json = lastJson(
      (await runCli("evaluate", "--model", SMOKE_TYPE, "--data", data, "--json")).stdout,
    );
    assert.match(r.stdout, new RegExp(`^ +macro F1: ${json.f1.toFixed(4)}$`, "m"));
    assert.match(r.stdout, /^ *specificity: \d\.\d{4} \(macro\)$/m);
    assert.match(r.stdout, /^per class:$/m);
    assert.match(r.stdout, /^ {2}label +precision +recall +f1 +auc +support$/m);
    for (const label of LABELS) {
      const c = json.perClass[label];
      assert.match(
        r.stdout,
        new RegExp(
          `^ {2}${label} +${c.precision.toFixed(4)} +${c.recall.toFixed(4)} +${c.f1.toFixed(4)} +${c.auc.toFixed(4)} +${c.support}$`,
          "m",
        ),
      );
      const row = json.confusion[LABELS.indexOf(label)].join(" +");
      assert.match(r.stdout, new RegExp(`^ {2}${label} +${row}$`, "m"), `confusion row ${label}`);
    }
    assert.match(r.stdout, /^ +glioma +meningioma +no_tumor +pituitary$/m);
    assert.match(r.stdout, /^tumors of unknown type: 1, \d called a tumor/m);
  });

  test("class folders that are no label of the type task are refused, naming the folder and the defaults; --map fixes them", async () => {
    const other = join(dir.path, "other");
    for (const folder of ["glioma", "astrocytoma"]) {
      await mkdir(join(other, folder), { recursive: true });
      await copyFile(join(SMOKE_TYPE, "vectors", "v0.png"), join(other, folder, "a.png"));
    }
    const r = await runCli("evaluate", "--model", SMOKE_TYPE, "--data", other);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /class folder "astrocytoma" has no label \(by name: glioma -> glioma/);
    assert.match(r.stderr, /\["glioma","meningioma","no_tumor","pituitary"\]/);
    const mapped = await runCli(
      "evaluate",
      "--model",
      SMOKE_TYPE,
      "--data",
      other,
      "--map",
      "astrocytoma=glioma",
      "--json",
    );
    assert.equal(mapped.code, 0, mapped.stderr);
    assert.deepEqual(lastJson(mapped.stdout).perClass.glioma.support, 2);
    const bad = await runCli(
      "evaluate",
      "--model",
      SMOKE_TYPE,
      "--data",
      other,
      "--map",
      "astrocytoma=yes",
    );
    assert.equal(bad.code, 3);
    assert.match(
      bad.stderr,
      /label must be one of \["glioma","meningioma","no_tumor","pituitary","tumor"\]/,
    );
  });

  test("`classify --json` gives every label's probability, the predicted label's heatmap by default, and any label's with --heatmap-class", async () => {
    const item = vectors.find((v) => v.predicted === "pituitary") as Vector;
    const image = join(SMOKE_TYPE, "vectors", item.image);
    const out = join(dir.path, "heatmap.png");
    const r = await runCli(
      "classify",
      "--model",
      SMOKE_TYPE,
      "--image",
      image,
      "--json",
      "--heatmap",
      out,
    );
    assert.equal(r.code, 0, r.stderr);
    const result = lastJson(r.stdout);
    assert.deepEqual(Object.keys(result.probabilities), LABELS);
    for (const [k, label] of LABELS.entries())
      assert.ok(
        Math.abs(result.probabilities[label] - (item.probabilities[k] as number)) <= 1e-5,
        `${label}: ${result.probabilities[label]} vs ${item.probabilities[k]}`,
      );
    assert.equal(result.label, "pituitary");
    assert.equal(result.probability, result.probabilities.pituitary);
    assert.equal(result.heatmapLabel, "pituitary");
    assert.deepEqual([result.peak.x, result.peak.y], item.peak);
    assert.equal(decodeImage(await readFile(out)).width, decodeImage(await readFile(image)).width);
    const peaks = new Set<string>();
    for (const label of LABELS) {
      const picked = await runCli(
        "classify",
        "--model",
        SMOKE_TYPE,
        "--image",
        image,
        "--json",
        "--heatmap-class",
        label,
      );
      assert.equal(picked.code, 0, picked.stderr);
      const p = lastJson(picked.stdout);
      assert.equal(p.heatmapLabel, label);
      assert.equal(p.label, "pituitary", "the prediction does not follow the heatmap");
      if (label === "pituitary") assert.deepEqual(p.peak, result.peak);
      peaks.add(JSON.stringify(p.peak));
    }
    assert.ok(peaks.size > 1, "the classes' maps peak in different places");
  });

  test("`classify` prints every class's probability in label order with the predicted one marked", async () => {
    const item = vectors.find((v) => v.predicted === "no_tumor") as Vector;
    const r = await runCli(
      "classify",
      "--model",
      SMOKE_TYPE,
      "--image",
      join(SMOKE_TYPE, "vectors", item.image),
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const start = lines.indexOf("probabilities:");
    assert.ok(start >= 0, r.stdout);
    const table = lines.slice(start + 1, start + 1 + LABELS.length);
    assert.deepEqual(
      table.map((line) => line.trim().split(/\s+/)[0]),
      LABELS,
    );
    for (const [k, line] of table.entries()) {
      assert.match(
        line,
        new RegExp(`^ {2}${LABELS[k]} +${(item.probabilities[k] as number).toFixed(4)}`),
      );
      assert.equal(line.endsWith("<- predicted"), LABELS[k] === "no_tumor", line);
    }
    assert.match(r.stdout, /^label: no_tumor$/m);
  });

  test("an unknown --heatmap-class names the labels; a model without class maps and --study refuse it", async () => {
    const image = join(SMOKE_TYPE, "vectors", "v0.png");
    const unknown = await runCli(
      "classify",
      "--model",
      SMOKE_TYPE,
      "--image",
      image,
      "--heatmap-class",
      "yes",
    );
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(
      unknown.stderr,
      /--heatmap-class "yes" is not one of the model's labels: glioma, meningioma, no_tumor, pituitary/,
    );
    const v1 = await runCli(
      "classify",
      "--model",
      SMOKE_V1,
      "--image",
      image,
      "--heatmap-class",
      "yes",
    );
    assert.equal(v1.code, 3, v1.stderr);
    assert.match(v1.stderr, /--heatmap-class needs a model with per-class heatmaps/);
    const study = await runCli(
      "classify",
      "--model",
      SMOKE_TYPE,
      "--study",
      data,
      "--heatmap-class",
      "glioma",
    );
    assert.equal(study.code, 2, study.stderr);
    assert.match(study.stderr, /go with --image/);
  });

  test("`classify --study` ranks a type model's slices by tumor probability (1 - p(no_tumor)) and names the type of the most suspicious", async () => {
    // Grey copies of five vectors (8-bit DICOM carries one channel), and a series of them at z = 4k.
    const study = join(dir.path, "study");
    await mkdir(study, { recursive: true });
    const picks = ["v0.png", "v2.png", "v4.png", "v6.png", "v8.png"];
    const greys = picks.map((_, k) => join(dir.path, `grey${k}.png`));
    execFileSync(PYTHON, [
      "-c",
      "import sys\nfrom PIL import Image\nfor src, out in zip(sys.argv[1::2], sys.argv[2::2]): Image.open(src).convert('L').save(out)",
      ...picks.flatMap((f, k) => [join(SMOKE_TYPE, "vectors", f), greys[k] as string]),
    ]);
    const specs = greys.map((image, k) => ({
      image,
      out: join(study, `IM${k}.dcm`),
      series: "1.2.826.0.1.3680043.99.7",
      position: [0, 0, 4 * k],
      instance: k + 1,
    }));
    await writeFile(join(dir.path, "study.json"), JSON.stringify(specs));
    execFileSync(PYTHON, [MAKE_DICOM, join(dir.path, "study.json")]);

    const r = await runCli("classify", "--model", SMOKE_TYPE, "--study", study, "--json");
    assert.equal(r.code, 0, r.stderr);
    const [series] = lastJson(r.stdout).studies[0].series;
    assert.equal(series.slices, 5);
    const slices: Record<string, number>[] = [];
    for (const grey of greys) {
      const one = await runCli("classify", "--model", SMOKE_TYPE, "--image", grey, "--json");
      assert.equal(one.code, 0, one.stderr);
      slices.push(lastJson(one.stdout).probabilities);
    }
    slices.forEach((p, k) => {
      const tumor = 1 - (p.no_tumor as number);
      assert.ok(Math.abs(series.sliceProbabilities[k] - tumor) <= 1e-4, `slice ${k}`);
    });
    const top = series.mostSuspicious.slice - 1;
    assert.equal(series.probability, Math.max(...series.sliceProbabilities));
    assert.equal(series.sliceProbabilities[top], series.probability);
    const p = slices[top] as Record<string, number>;
    const expected =
      series.probability < 0.5
        ? "no_tumor"
        : ["glioma", "meningioma", "pituitary"].reduce((a, b) =>
            (p[b] as number) > (p[a] as number) ? b : a,
          );
    assert.equal(series.label, expected);
    assert.equal(lastJson(r.stdout).studies[0].label, expected);
  });

  test("`evaluate --submit` figures of a type-task evaluation: macro, tumors of any type vs no_tumor; refused before the chain without both", async () => {
    const ours = await runCli("evaluate", "--model", SMOKE_TYPE, "--data", data, "--json");
    const result = { ...lastJson(ours.stdout), fingerprint: `0x${"ab".repeat(32)}` };
    const task = TASKS[TYPE_TASK];
    const summary = evaluationSummary(result, LABELS, task.positiveLabel, task.tumorFreeLabel);
    assert.deepEqual(summary, {
      accuracy: result.accuracy,
      precision: result.precision,
      recall: result.recall,
      specificity: result.specificity,
      f1: result.f1,
      auc: result.auc,
      positives: 6,
      negatives: 2,
    });
    // Checked before any chain call: a connection that cannot be used is never touched.
    const noChain = {} as Connection;
    const tumorsOnly = {
      ...result,
      confusion: result.confusion.map((row: number[], i: number) =>
        i === LABELS.indexOf("no_tumor") ? row.map(() => 0) : row,
      ),
    };
    await assert.rejects(
      submitEvaluation(noChain, 1n, tumorsOnly, 2),
      /needs images of both classes \(got 6 with a tumor, 0 without\)/,
    );
    await assert.rejects(
      submitEvaluation(noChain, 1n, { ...result, labels: ["a", "b", "c"] }, 2),
      /labels \["a","b","c"\] belongs to no task/,
    );
  });
});
