import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { CliError, ExitCode } from "./errors.ts";
import { createLogger } from "./log.ts";
import { registerCommands } from "./program.ts";

/**
 * The CLI's one exit path: parses argv, runs the command, and turns every failure into a message
 * on stderr and an exit code (see `ExitCode`). Returns the code instead of exiting, so tests call it.
 */
export async function main(argv: string[]): Promise<number> {
  const log = createLogger();
  const program = new Command("neuroledger")
    .description("NeuroLedger: share encrypted brain-tumor models between consortium institutions.")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program, log);
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, log);
  }
}

function reportError(err: unknown, log: ReturnType<typeof createLogger>): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; commander already printed what it had to.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const { message, exitCode } = describe(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.NEUROLEDGER_DEBUG && err instanceof Error)
    log.error("stack", { stack: err.stack });
  return exitCode;
}

/** Maps CLI and SDK errors to a message and an exit code; anything else is a plain failure. */
function describe(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof Error) {
    const byName: Record<string, number> = {
      DecryptionFailedError: ExitCode.integrity,
      InvalidContainerError: ExitCode.integrity,
      InvalidKeyringError: ExitCode.integrity,
      NoWrapForAccountError: ExitCode.refused,
      InvalidModelCardError: ExitCode.invalidInput,
      ImageDecodeError: ExitCode.invalidInput,
      ImageTooLargeError: ExitCode.invalidInput,
      ImageTooSmallError: ExitCode.invalidInput,
      UnsupportedFileFormatError: ExitCode.invalidInput,
      UnsupportedDicomError: ExitCode.invalidInput,
      InvalidInputError: ExitCode.invalidInput,
      ModelOutputError: ExitCode.invalidInput,
    };
    return { message: err.message, exitCode: byName[err.name] ?? ExitCode.failure };
  }
  return { message: String(err), exitCode: ExitCode.failure };
}

/** Commander parsers shared by the command declarations. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("not a port number");
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("not a positive integer");
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export { Option };
