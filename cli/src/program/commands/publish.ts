import { printResult } from "../../output.ts";
import { progressBar } from "../../progress.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import { parseId } from "../parsers.ts";
import { holdAfterAdd } from "../testHooks.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger publish`: validate, encrypt, add + pin, register on chain. */
export const declarePublish: CommandDeclaration = (program, { log }) => {
  withConnectionOptions(
    program
      .command("publish")
      .description(
        "validate, encrypt, add + pin on the institution node, and register a model on chain",
      )
      .requiredOption("--model <file>", "model.onnx")
      .requiredOption("--card <file>", "card.json written with it")
      .option("--parent <id>", "parent model id (lineage)", parseId)
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    const bar = progressBar("encrypt");
    try {
      const result = await (await import("../../commands/publish.ts")).publish({
        connection: await connect(opts),
        modelPath: opts.model,
        cardPath: opts.card,
        parentId: opts.parent,
        log,
        onProgress: bar.update,
        afterAdd: holdAfterAdd(process.env.NEUROLEDGER_TEST_HOLD_AFTER_ADD),
      });
      bar.stop();
      printResult(result, Boolean(opts.json));
    } finally {
      bar.stop();
    }
  });
};
