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
        "label of a class folder (repeatable); default by name: no/notumor/normal -> no, yes/tumor/glioma/meningioma/pituitary -> yes",
        collect,
        [] as string[],
      )
      .option(
        "--predictions <out.csv>",
        "write one row per image: file,label,predicted,probability,peak_x,peak_y",
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
    const metrics = await (await import("../../commands/evaluate.ts")).evaluate({
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
      const lines = metricsText(metrics, opts.predictions);
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
