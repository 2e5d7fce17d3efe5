import type { Connection } from "../../config.ts";
import { InvalidInputError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { printResult } from "../../output.ts";
import { progressBar } from "../../progress.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import { collect } from "../parsers.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger evaluate`: metrics of a model on a labelled image folder. */
export const declareEvaluate: CommandDeclaration = (program, { log }) => {
  withConnectionOptions(
    program
      .command("evaluate")
      .description(
        "metrics of a model on a labelled folder <data>/<class>/<images> (as `training evaluate`), optionally one prediction per image as CSV",
      )
      .requiredOption(
        "--model <file|dir|modelId>",
        "model.onnx, a model folder, or a registry model id",
      )
      .requiredOption("--data <dir>", "labelled image folder")
      .option("--card <file>", "card.json (default: beside the model)")
      .option(
        "--map <[source:]folder=label>",
        "label of a class folder (repeatable); default by name, per the model's task: binary no/notumor/normal -> no, yes/tumor/glioma/meningioma/pituitary -> yes; type glioma/meningioma/pituitary -> themselves, no/notumor/no_tumor/normal -> no_tumor, yes/tumor -> tumor (type unknown: counted apart)",
        collect,
        [] as string[],
      )
      .option(
        "--predictions <out.csv>",
        "write one row per image: file,label,predicted,probability,peak_x,peak_y (and p_<label> per label for a model without a positive label)",
      )
      .option("--json", "print the metrics as one JSON line (the last line)")
      .option(
        "--submit",
        "record the metrics on chain as your institution's evaluation of the registry model (--model <id>); images never leave this machine",
      ),
  ).action(async (opts) => {
    if (opts.submit && !/^\d+$/.test(opts.model)) {
      throw new InvalidInputError(`--submit needs --model <registry model id>, got ${opts.model}`);
    }
    const model = await (await import("../../models/resolveModel.ts")).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
    await checkRegistryModel(model, () => connect(opts), log);
    const bar = progressBar("evaluate");
    const evaluation = await import("../../commands/evaluate.ts");
    const metrics = await evaluation.evaluate({
      model,
      dataDir: opts.data,
      predictionsOut: opts.predictions,
      mapping: opts.map,
      log,
      onProgress: bar.update,
    });
    bar.stop();
    const submitted = opts.submit
      ? await (await import("../../commands/submitEvaluation.ts")).submitEvaluation(
          await connect(opts),
          BigInt(opts.model),
          metrics,
          Number(model.card.schema.split("/").pop()),
        )
      : undefined;
    // The printed metrics keep `training evaluate`'s keys; the set's fingerprint goes on chain only.
    const { fingerprint: _fingerprint, ...printed } = metrics;
    if (opts.json) printResult(submitted ? { ...printed, submitted } : printed, true);
    else {
      const oodLines = evaluation.outOfDistributionText(metrics.outOfDistribution);
      const lines = metricsText(metrics, oodLines, opts.predictions);
      if (submitted) lines.push(submittedText(submitted));
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  });
};

/** A registry model is evaluated only if its weights are the ones its publisher declared. */
async function checkRegistryModel(
  model: { modelId?: bigint; modelPath: string },
  connection: () => Promise<Connection>,
  log: Logger,
): Promise<void> {
  if (model.modelId === undefined) return;
  const { checkDeclaredWeights } = await import("../../models/declaredWeights.ts");
  await checkDeclaredWeights(await connection(), model.modelId, model.modelPath, log);
}

type Submitted = Awaited<
  ReturnType<typeof import("../../commands/submitEvaluation.ts").submitEvaluation>
>;

/** One line: the transaction, the model's score after it and its place in the top ten. */
function submittedText(submitted: Submitted): string {
  const s = submitted.score;
  const verified = s.verified
    ? `verified at ${s.independentEvaluations} institution(s)`
    : "unverified";
  const rank = submitted.rank === null ? "not ranked" : submitted.rank + 1;
  return `submitted: tx ${submitted.transaction} (block ${submitted.blockNumber}); score F1 ${s.f1.toFixed(4)} ${verified}, rank ${rank}`;
}

type Metrics = Awaited<ReturnType<typeof import("../../commands/evaluate.ts").evaluate>>;

/** The human-readable metrics (values to 4 decimals, `n/a` where undefined). */
function metricsText(
  metrics: Metrics,
  oodLines: string[],
  predictions: string | undefined,
): string[] {
  const lines = metrics.perClass ? classMetricsText(metrics) : binaryMetricsText(metrics);
  lines.push(...oodLines);
  if (predictions) lines.push(`predictions: ${predictions}`);
  return lines;
}

const figure = (v: number | null | undefined) =>
  v === null || v === undefined ? "n/a" : v.toFixed(4);

function binaryMetricsText(metrics: Metrics): string[] {
  const lines = (["accuracy", "precision", "recall", "f1", "auc"] as const).map(
    (k) => `${k.padStart(9)}: ${figure(metrics[k])}`,
  );
  lines.push(`        n: ${metrics.n} (unreadable ${metrics.unreadable})`);
  lines.push(
    `confusion: ${JSON.stringify(metrics.confusion)} (rows true ${JSON.stringify(metrics.labels)}, columns predicted)`,
  );
  return lines;
}

/** K labels: macro figures, a per-class table and the K x K confusion matrix with label headers. */
function classMetricsText(metrics: Metrics): string[] {
  const { labels } = metrics;
  const lines = [
    `   accuracy: ${figure(metrics.accuracy)}`,
    ...(["precision", "recall", "f1", "specificity", "auc"] as const).map(
      (k) =>
        `${(k === "f1" ? "macro F1" : k).padStart(11)}: ${figure(metrics[k])}${k === "f1" ? "" : " (macro)"}`,
    ),
    `          n: ${metrics.n} (unreadable ${metrics.unreadable})`,
    "per class:",
    ...table([
      ["label", "precision", "recall", "f1", "auc", "support"],
      ...labels.map((label) => {
        const c = metrics.perClass?.[label];
        return [
          label,
          figure(c?.precision),
          figure(c?.recall),
          figure(c?.f1),
          figure(c?.auc),
          String(c?.support ?? 0),
        ];
      }),
    ]),
    "confusion (rows true, columns predicted):",
    ...table([
      ["", ...labels],
      ...metrics.confusion.map((row, i) => [labels[i] ?? "", ...row.map(String)]),
    ]),
  ];
  const untyped = metrics.untypedTumors;
  if (untyped && untyped.n > 0)
    lines.push(
      `tumors of unknown type: ${untyped.n}, ${untyped.calledTumor} called a tumor (not in the metrics)`,
    );
  return lines;
}

/** Rows of cells as left-aligned columns, indented by two spaces. */
function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, j) =>
    Math.max(...rows.map((row) => (row[j] ?? "").length)),
  );
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, j) => cell.padEnd(widths[j] ?? 0))
        .join("  ")
        .trimEnd()}`,
  );
}
