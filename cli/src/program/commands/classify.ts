import { printResult } from "../../output.ts";
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
      .requiredOption("--image <file>", "PNG or JPEG image")
      .option("--card <file>", "card.json (default: beside the model)")
      .option(
        "--heatmap <out.png>",
        "write the image with the heatmap (class activation map of the tumor class) blended over it",
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    const model = await (await import("../../models/resolveModel.ts")).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
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
