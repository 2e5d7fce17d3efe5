import { printResult } from "../../output.ts";
import { progressBar } from "../../progress.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import { parseId, parsePositiveInt } from "../parsers.ts";
import { holdDuringDecrypt } from "../testHooks.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger download`: record on chain, fetch, decrypt, verify, write atomically. */
export const declareDownload: CommandDeclaration = (program, { log }) => {
  withConnectionOptions(
    program
      .command("download")
      .description(
        "check everything that can be checked, record the download on chain, then fetch, decrypt and verify a model; write it atomically",
      )
      .argument("<modelId>", "registry model id", parseId)
      .requiredOption("--out <file>", "where to write the ONNX model")
      .option(
        "--timeout <ms>",
        "how long to wait for the node, and for a keeper to wrap a newly registered key",
        parsePositiveInt,
        60_000,
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (modelId: bigint, opts) => {
    const bar = progressBar("decrypt");
    try {
      const result = await (await import("../../commands/download.ts")).download({
        connection: await connect(opts),
        modelId,
        out: opts.out,
        timeoutMs: opts.timeout,
        log,
        onProgress: bar.update,
        afterFirstChunk: holdDuringDecrypt(process.env.NEUROLEDGER_TEST_HOLD_DURING_DECRYPT),
      });
      bar.stop();
      const { card, ...printed } = result;
      printResult(
        { ...printed, card: card ? `${card.name} ${card.version} (checked)` : null },
        Boolean(opts.json),
      );
    } finally {
      bar.stop();
    }
  });
};
