import { printResult } from "../../output.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger status`: consortium, latest model, top ten, node. */
export const declareStatus: CommandDeclaration = (program) => {
  withConnectionOptions(
    program
      .command("status")
      .description("consortium, latest model, top ten, node")
      .option("--json", "print as one JSON line"),
  ).action(async (opts) => {
    const { status } = await import("../../commands/status.ts");
    printResult(await status(await connect(opts)), Boolean(opts.json));
  });
};
