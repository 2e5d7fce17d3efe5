import { printResult } from "../../output.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import { parseId } from "../parsers.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger grant`: give (or revoke) a patient access to one model. */
export const declareGrant: CommandDeclaration = (program) => {
  withConnectionOptions(
    program
      .command("grant")
      .description("grant (or revoke) a patient access to one model")
      .argument("<patient>", "patient account")
      .argument("<modelId>", "model id", parseId)
      // Parsed by the command (parseGrantDays), so every bad value gets the sentence naming the limit.
      .option("--days <n>", "whole days of access, 1 to 3650", "30")
      .option("--revoke", "revoke the grant instead")
      .option("--json", "print the result as one JSON line"),
  ).action(async (patient: string, modelId: bigint, opts) => {
    const { parseAddress } = await import("../../commands/member.ts");
    const result = await (await import("../../commands/grant.ts")).grant({
      connection: await connect(opts),
      patient: parseAddress(patient, "patient"),
      modelId,
      days: opts.days,
      revoke: opts.revoke,
    });
    printResult(result, Boolean(opts.json));
  });
};
