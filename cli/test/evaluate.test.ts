// `evaluate` and `classify` through the CLI entry, against the training package's own evaluation
// (PyTorch) and test vectors.
import assert from "node:assert/strict";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { formatOodFigure } from "@neuroledger/sdk/inference";
import { decodeImage } from "@neuroledger/sdk/node";
import { parse } from "csv-parse/sync";
import { REPO_ROOT } from "./helpers/models.ts";
import { BIN, tempDir } from "./helpers/nodeProcess.ts";
import { lastJson, runProcess as run } from "./helpers/run.ts";

const SMOKE = join(REPO_ROOT, "training", "models", "smoke");

type PredictionRow = Record<
  "file" | "label" | "predicted" | "probability" | "peak_x" | "peak_y",
  string
>;
const readCsv = async (path: string): Promise<{ header: string; rows: PredictionRow[] }> => {
  const text = await readFile(path, "utf8");
  return { header: text.split(/\r?\n/)[0] as string, rows: parse(text, { columns: true }) };
};

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

  test("`evaluate --json` gives the same out-of-distribution figures and site check as `training evaluate --json`", async () => {
    // The smoke model with 125 validation scores in its card, 25 below the lowest vector's score
    // and 25 in each gap between the vectors' scores, so the ranking is neither all wins nor all
    // losses; its threshold their percentile, as training writes it. 15 images (each vector thrice).
    const model = join(dir.path, "smoke-site");
    await mkdir(model);
    for (const f of ["model.onnx", "model.pt"]) await copyFile(join(SMOKE, f), join(model, f));
    const vectors = JSON.parse(await readFile(join(SMOKE, "vectors", "vectors.json"), "utf8"));
    const scores = (vectors.items as { oodScore: number }[])
      .map((i) => i.oodScore)
      .sort((x, y) => x - y);
    const validationScores = scores.flatMap((high, k) => {
      const low = k === 0 ? 0 : (scores[k - 1] as number);
      return Array.from({ length: 25 }, (_, i) => low + ((high - low) * (i + 0.5)) / 25);
    });
    const card = JSON.parse(await readFile(join(SMOKE, "card.json"), "utf8"));
    const position = ((validationScores.length - 1) * card.ood.percentile) / 100;
    const below = Math.floor(position);
    const threshold =
      (validationScores[below] as number) +
      ((validationScores[below + 1] as number) - (validationScores[below] as number)) *
        (position - below);
    await writeFile(
      join(model, "card.json"),
      JSON.stringify({
        ...card,
        ood: { ...card.ood, threshold, validationScores: { "smoke/no": validationScores } },
      }),
    );
    const set = join(dir.path, "site", "yes");
    await mkdir(set, { recursive: true });
    for (const item of vectors.items as { image: string }[])
      for (const copy of [1, 2, 3])
        await copyFile(join(SMOKE, "vectors", item.image), join(set, `${copy}-${item.image}`));
    const args = ["evaluate", "--model", model, "--data", join(dir.path, "site"), "--json"];
    const ours = await run(process.execPath, [BIN, ...args]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await run(
      "/usr/bin/python3",
      ["-m", "neuroledger_training.cli", ...args],
      join(REPO_ROOT, "training"),
    );
    assert.equal(theirs.code, 0, theirs.stderr);
    const a = lastJson(ours.stdout).outOfDistribution;
    const b = lastJson(theirs.stdout).outOfDistribution;
    assert.deepEqual(Object.keys(a), ["threshold", "flagged", "n", "siteCheck"]);
    assert.deepEqual(Object.keys(a), Object.keys(b));
    assert.equal(a.n, 15);
    assert.equal(a.threshold, threshold);
    // The threshold lies in the top gap: only the highest vector's three copies are above it.
    assert.ok((scores[3] as number) < threshold && threshold < (scores[4] as number));
    assert.equal(a.flagged, 3);
    assert.equal(b.flagged, a.flagged);
    assert.deepEqual(Object.keys(a.siteCheck), Object.keys(b.siteCheck));
    assert.equal(a.siteCheck.n, 15);
    assert.equal(a.siteCheck.closestStratum, "smoke/no");
    assert.equal(b.siteCheck.closestStratum, "smoke/no");
    const [ours1, theirs1] = [a.siteCheck.strata[0], b.siteCheck.strata[0]];
    assert.deepEqual(Object.keys(ours1), Object.keys(theirs1));
    assert.equal(ours1.validationN, 125);
    // The k-th lowest vector beats the 25 k validation scores below it: U = 3 * 25 * (1 + ... + 5).
    assert.equal(ours1.auroc, (3 * 25 * 15) / (15 * 125));
    for (const k of ["auroc", "z", "pValue"])
      assert.ok(Math.abs(ours1[k] - theirs1[k]) < 1e-9, `${k}: ${ours1[k]} vs ${theirs1[k]}`);
    assert.equal(a.siteCheck.pValue, ours1.pValue);
    assert.equal(a.siteCheck.unlikeTraining, b.siteCheck.unlikeTraining);
    assert.equal(a.siteCheck.unlikeTraining, false);
    // The text output prints the same figures in both (the OOD line exactly).
    const textArgs = args.filter((a) => a !== "--json");
    const oursText = await run(process.execPath, [BIN, ...textArgs]);
    const theirsText = await run(
      "/usr/bin/python3",
      ["-m", "neuroledger_training.cli", ...textArgs],
      join(REPO_ROOT, "training"),
    );
    const oodLine = (out: string) => out.split("\n").find((l) => l.trim().startsWith("OOD:"));
    assert.equal(oodLine(oursText.stdout), oodLine(theirsText.stdout));
    assert.match(oodLine(oursText.stdout) ?? "", /3 of 15 images above the card's threshold/);
    for (const out of [oursText.stdout, theirsText.stdout])
      assert.match(
        out,
        /site check: p \S+ against the closest stratum, smoke\/no \(alpha 0\.001\): no evidence of a difference\n {2}smoke\/no: AUROC 0\.600, z -?\d+\.\d\d, p \S+ \(125 validation images\)/,
      );
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

  test("`evaluate --predictions` writes one row per readable image, as `training evaluate --predictions`", async () => {
    const ours = join(dir.path, "out", "ours.csv");
    const theirs = join(dir.path, "theirs.csv");
    const a = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      data,
      "--predictions",
      ours,
      "--json",
    ]);
    assert.equal(a.code, 0, a.stderr);
    const b = await run(
      "/usr/bin/python3",
      [
        "-m",
        "neuroledger_training.cli",
        "evaluate",
        "--model",
        SMOKE,
        "--data",
        data,
        "--predictions",
        theirs,
      ],
      join(REPO_ROOT, "training"),
    );
    assert.equal(b.code, 0, b.stderr);
    const mine = await readCsv(ours);
    const reference = await readCsv(theirs);
    assert.equal(mine.header, "file,label,predicted,probability,peak_x,peak_y");
    assert.equal(mine.header, reference.header);
    assert.deepEqual(
      mine.rows.map((r) => [r.file, r.label, r.predicted]),
      reference.rows.map((r) => [r.file, r.label, r.predicted]),
    );
    assert.deepEqual(
      mine.rows.map((r) => r.file),
      ["no/v0.png", "no/v1.png", "yes/v2.png", "yes/v3.png"],
      "one row per readable image (broken.png left out), relative to --data",
    );
    const card = JSON.parse(await readFile(join(SMOKE, "card.json"), "utf8"));
    const side = card.preprocessing.resize.width as number;
    for (const [i, row] of mine.rows.entries()) {
      const other = reference.rows[i] as PredictionRow;
      assert.ok(
        Math.abs(Number(row.probability) - Number(other.probability)) <= 2e-6,
        `${row.file}: p ${row.probability} vs ${other.probability}`,
      );
      const image = decodeImage(await readFile(join(data, row.file)));
      const [x, y] = [Number(row.peak_x), Number(row.peak_y)];
      assert.ok(
        Number.isInteger(x) &&
          Number.isInteger(y) &&
          x >= 0 &&
          y >= 0 &&
          x < image.width &&
          y < image.height,
        `${row.file}: peak ${x},${y}`,
      );
      // Within one input pixel of training's peak (docs/interfaces.md section 3).
      const step = Math.ceil(Math.max(image.width, image.height) / side);
      assert.ok(
        Math.abs(x - Number(other.peak_x)) <= step && Math.abs(y - Number(other.peak_y)) <= step,
        `${row.file}: peak ${x},${y} vs ${other.peak_x},${other.peak_y}`,
      );
    }
    // The classify command's peak and probability for the same image are the CSV's.
    const single = await run(process.execPath, [
      BIN,
      "classify",
      "--model",
      SMOKE,
      "--image",
      join(data, "yes", "v3.png"),
      "--json",
    ]);
    assert.equal(single.code, 0, single.stderr);
    const result = lastJson(single.stdout);
    const row = mine.rows[3] as PredictionRow;
    assert.deepEqual([result.peak.x, result.peak.y], [Number(row.peak_x), Number(row.peak_y)]);
    assert.equal(result.probability.toFixed(6), row.probability);
  });

  test("`classify` prints the OOD score, warns when it is above the card's threshold, and lays the CAM heatmap on the head's region", async () => {
    const vectors = JSON.parse(await readFile(join(SMOKE, "vectors", "vectors.json"), "utf8"));
    const card = JSON.parse(await readFile(join(SMOKE, "card.json"), "utf8"));
    assert.equal(card.schema, "neuroledger.model-card/2", "the smoke model is a card v2 model");
    const threshold = card.ood.threshold as number;
    type Item = {
      image: string;
      oodScore: number;
      peak: [number, number];
      region: { left: number; top: number; size: number };
    };
    const inside = (vectors.items as Item[]).find(
      (item) => item.oodScore < threshold && item.region.left > 0,
    );
    const outside = (vectors.items as Item[]).find((item) => item.oodScore > threshold);
    assert.ok(
      inside && outside,
      "the smoke vectors hold an image on each side of the OOD threshold",
    );
    for (const [item, flagged] of [
      [inside, false],
      [outside, true],
    ] as const) {
      const overlay = join(dir.path, `overlay-${item.image}`);
      const r = await run(process.execPath, [
        BIN,
        "classify",
        "--model",
        SMOKE,
        "--image",
        join(SMOKE, "vectors", item.image),
        "--json",
        "--heatmap",
        overlay,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const result = lastJson(r.stdout);
      assert.equal(result.heatmapMethod, "cam");
      assert.equal(result.heatmapLabel, "yes");
      assert.ok(
        Math.abs(result.ood.score - item.oodScore) <= 1e-3 * item.oodScore,
        `${result.ood.score} vs ${item.oodScore}`,
      );
      assert.equal(result.ood.threshold, threshold);
      assert.equal(result.ood.outOfDistribution, flagged);
      assert.deepEqual([result.peak.x, result.peak.y], item.peak);
      if (flagged) {
        // 3 significant figures: cosine scores sit below 0.1, where 2 decimals would hide the gap.
        assert.ok(
          result.warning.includes(
            `OOD score ${formatOodFigure(result.ood.score)} > threshold ${formatOodFigure(threshold)}`,
          ),
          result.warning,
        );
        assert.match(result.warning, /^out of distribution: /);
        assert.match(r.stderr, /warn .*out of distribution/);
      } else {
        assert.equal(result.warning, undefined);
        assert.doesNotMatch(r.stderr, /out of distribution/);
      }
      if (flagged) continue;
      // Left of the region (the black border outside the head square) the overlay is the image itself.
      const image = decodeImage(await readFile(join(SMOKE, "vectors", item.image)));
      const picture = decodeImage(await readFile(overlay));
      const channels = image.data.length / (image.width * image.height);
      let changedInside = 0;
      for (let y = 0; y < image.height; y++)
        for (let x = 0; x < image.width; x++) {
          const grey = image.data[(y * image.width + x) * channels] as number;
          const shown = picture.data[(y * picture.width + x) * 4] as number;
          if (x < item.region.left)
            assert.equal(shown, grey, `pixel ${x},${y} left of the region was changed`);
          else if (shown !== grey) changedInside++;
        }
      assert.ok(changedInside > 0, "the heatmap shows inside the region");
    }
    // Human output: the warning and the score as lines of their own.
    const human = await run(process.execPath, [
      BIN,
      "classify",
      "--model",
      SMOKE,
      "--image",
      join(SMOKE, "vectors", outside.image),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^warning: out of distribution/m);
    assert.match(human.stdout, /^\s*score: \d/m);
  });

  test("a predictions CSV inside the data folder is refused before anything runs", async () => {
    const inside = join(data, "yes", "predictions.csv");
    const r = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      data,
      "--predictions",
      inside,
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /inside the data folder/);
    assert.deepEqual((await readdir(join(data, "yes"))).sort(), ["broken.png", "v2.png", "v3.png"]);
  });

  test("class folders map to labels by name (a tumor-only set evaluates) or by --map", async () => {
    const tumors = join(dir.path, "figshare-like");
    await mkdir(join(tumors, "glioma"), { recursive: true });
    await mkdir(join(tumors, "Meningioma"), { recursive: true });
    await copyFile(join(SMOKE, "vectors", "v2.png"), join(tumors, "glioma", "a.png"));
    await copyFile(join(SMOKE, "vectors", "v3.png"), join(tumors, "Meningioma", "b.png"));
    const csv = join(dir.path, "tumors.csv");
    const r = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      tumors,
      "--predictions",
      csv,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const metrics = lastJson(r.stdout);
    assert.equal(metrics.n, 2);
    assert.equal(metrics.auc, null);
    assert.equal(metrics.confusion[0][0] + metrics.confusion[0][1], 0, "no tumor-free images");
    assert.deepEqual(
      (await readCsv(csv)).rows.map((row) => [row.file, row.label]),
      [
        ["Meningioma/b.png", "yes"],
        ["glioma/a.png", "yes"],
      ],
    );
    const renamed = join(dir.path, "renamed");
    for (const cls of ["healthy", "lesion"]) await mkdir(join(renamed, cls), { recursive: true });
    await copyFile(join(SMOKE, "vectors", "v0.png"), join(renamed, "healthy", "a.png"));
    await copyFile(join(SMOKE, "vectors", "v2.png"), join(renamed, "lesion", "b.png"));
    const mapped = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      renamed,
      "--map",
      "healthy=no",
      "--map",
      "renamed:lesion=yes",
      "--json",
    ]);
    assert.equal(mapped.code, 0, mapped.stderr);
    assert.deepEqual(
      lastJson(mapped.stdout).confusion.map(([a, b]: [number, number]) => a + b),
      [1, 1],
    );
    const badLabel = await run(process.execPath, [
      BIN,
      "evaluate",
      "--model",
      SMOKE,
      "--data",
      renamed,
      "--map",
      "healthy=maybe",
    ]);
    assert.equal(badLabel.code, 3);
    assert.match(badLabel.stderr, /label must be one of \["no","yes"\], got "maybe"/);
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
