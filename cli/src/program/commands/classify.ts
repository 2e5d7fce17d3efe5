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
        "classify one MRI image: label, tumor probability, heatmap peak, out-of-distribution score (warns when the image is unlike the training data), optional heatmap PNG",
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
        "write the image with the heatmap (class activation map of the tumor class) blended over it",
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    if (Boolean(opts.image) === Boolean(opts.study))
      throw new UsageError("classify needs exactly one of --image <file> or --study <dir|file>.");
    if (opts.study && opts.heatmap)
      throw new UsageError("--heatmap goes with --image (one slice), not with --study.");
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
    printResult(
      await (await import("../../commands/classify.ts")).classify({
        model,
        imagePath: opts.image,
        heatmapOut: opts.heatmap,
        log,
      }),
      Boolean(opts.json),
    );
  });
};
