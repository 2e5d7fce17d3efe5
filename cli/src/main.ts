import { Command, CommanderError } from "commander";
import { ExitCode, exitCodeOf } from "./errors.ts";
import { createLogger, type Logger } from "./log.ts";
import { type CommandDeclaration, commandDeclarations } from "./program/index.ts";

/**
 * The CLI's one exit path: declares the commands, parses argv, runs the command, and turns every
 * failure into a message on stderr and an exit code (the category table in `errors.ts`). Returns
 * the code instead of exiting, so tests call it; `commands` defaults to every command of the CLI.
 *
 * @param argv `process.argv` shape: [node, script, ...arguments].
 * @returns 0, or the failure's exit code (see cli/README.md).
 */
export async function main(
  argv: string[],
  commands: readonly CommandDeclaration[] = commandDeclarations,
): Promise<number> {
  const log = createLogger();
  const program = new Command("neuroledger")
    .description("NeuroLedger: share encrypted brain-tumor models between consortium institutions.")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const declare of commands) declare(program, { log });
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, log);
  }
}

function reportError(err: unknown, log: Logger): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; commander already printed what it had to.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.NEUROLEDGER_DEBUG && err instanceof Error)
    log.error("stack", { stack: err.stack });
  return exitCodeOf(err);
}
