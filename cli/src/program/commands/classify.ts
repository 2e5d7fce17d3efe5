import { UsageError } from "../../errors.ts";
import { printResult } from "../../output.ts";
import { progressBar } from "../../progress.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger classify`: one MRI image through a model. */
export const declareClassify: CommandDeclaration = (program, { log }) => {
  withConnectionOptions(
    program
      .command("classify")
      .description(
        "classify one MRI image: label, every class's probability, heatmap peak, out-of-distribution score (warns when the image is unlike the training data), optional heatmap PNG",
      )
      .requiredOption(
        "--model <file|dir|modelId>",
        "model.onnx, a model folder, or a registry model id",
      )
      .option("--image <file>", "one image: PNG, JPEG or DICOM")
      .option(
        "--study <dir|file>",
        "a DICOM study folder (or multi-frame file): a result per series and per study, slices in position order",
      )
      .option("--card <file>", "card.json (default: beside the model)")
      .option(
        "--heatmap <out.png>",
        "write the image with the heatmap (class activation map of the tumor class, or of the predicted class for a model without a positive label) blended over it",
      )
      .option(
        "--heatmap-class <label>",
        "the class whose heatmap and peak to give (default: the tumor class, or the predicted class)",
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    if (Boolean(opts.image) === Boolean(opts.study))
      throw new UsageError("classify needs exactly one of --image <file> or --study <dir|file>.");
    if (opts.study && (opts.heatmap || opts.heatmapClass !== undefined))
      throw new UsageError(
        "--heatmap and --heatmap-class go with --image (one slice), not with --study.",
      );
    const model = await (await import("../../models/resolveModel.ts")).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
    if (opts.study) {
      const bar = progressBar("classify");
      try {
        const study = await (await import("../../commands/classifyStudy.ts")).classifyStudy({
          model,
          studyPath: opts.study,
          log,
          onProgress: bar.update,
        });
        bar.stop();
        printResult(study, Boolean(opts.json));
      } finally {
        bar.stop();
      }
      return;
    }
    const result = await (await import("../../commands/classify.ts")).classify({
      model,
      imagePath: opts.image,
      heatmapOut: opts.heatmap,
      heatmapLabel: opts.heatmapClass,
      log,
    });
    if (opts.json) printResult(result, true);
    else {
      const { probabilities, ...rest } = result;
      printResult(rest, false);
      process.stdout.write(`${probabilityTable(probabilities, result.label).join("\n")}\n`);
    }
  });
};

/**
 * Every class's probability for people, one line per label in the card's order, the predicted
 * one marked:
 * ```
 * probabilities:
 *   glioma       0.0412
 *   meningioma   0.9310  <- predicted
 * ```
 */
export function probabilityTable(
  probabilities: Record<string, number>,
  predicted: string,
): string[] {
  const width = Math.max(...Object.keys(probabilities).map((label) => label.length));
  return [
    "probabilities:",
    ...Object.entries(probabilities).map(
      ([label, p]) =>
        `  ${label.padEnd(width)}  ${p.toFixed(4)}${label === predicted ? "  <- predicted" : ""}`,
    ),
  ];
}
