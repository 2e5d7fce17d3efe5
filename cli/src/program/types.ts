import type { Command } from "commander";
import type { Logger } from "../log.ts";

/** What every command declaration gets besides the program: the CLI's logger (stderr). */
export interface CommandContext {
  log: Logger;
}

/**
 * Adds one command (or one command group) to the program. A declaration names its flags and
 * hands off to its function in `commands/`, which it imports only when the command runs, so
 * `--help` and `node --no-follow` stay fast and load neither onnxruntime nor the chain package.
 */
export type CommandDeclaration = (program: Command, context: CommandContext) => void;
