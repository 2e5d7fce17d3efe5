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
        "label of a class folder (repeatable); default by name: no/notumor/normal -> no, yes/tumor/glioma/meningioma/pituitary -> yes",
        collect,
        [] as string[],
      )
      .option(
        "--predictions <out.csv>",
        "write one row per image: file,label,predicted,probability,peak_x,peak_y",
      )
      .option("--json", "print the metrics as one JSON line (the last line)"),
  ).action(async (opts) => {
    const model = await (await import("../../models/resolveModel.ts")).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
    const bar = progressBar("evaluate");
    const metrics = await (await import("../../commands/evaluate.ts")).evaluate({
      model,
      dataDir: opts.data,
      predictionsOut: opts.predictions,
      mapping: opts.map,
      log,
      onProgress: bar.update,
    });
    bar.stop();
    if (opts.json) printResult(metrics, true);
    else process.stdout.write(`${metricsText(metrics, opts.predictions).join("\n")}\n`);
  });
};

type Metrics = Awaited<ReturnType<typeof import("../../commands/evaluate.ts").evaluate>>;

/** The human-readable metrics table (values to 4 decimals, `n/a` where undefined). */
function metricsText(metrics: Metrics, predictions: string | undefined): string[] {
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));
  const lines = (["accuracy", "precision", "recall", "f1", "auc"] as const).map(
    (k) => `${k.padStart(9)}: ${f(metrics[k])}`,
  );
  lines.push(`        n: ${metrics.n} (unreadable ${metrics.unreadable})`);
  lines.push(
    `confusion: ${JSON.stringify(metrics.confusion)} (rows true ${JSON.stringify(metrics.labels)}, columns predicted)`,
  );
  if (predictions) lines.push(`predictions: ${predictions}`);
  return lines;
}
