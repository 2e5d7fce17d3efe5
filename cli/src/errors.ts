import {
  BaseError,
  type BaseErrorParameters,
  categoryOf,
  type ErrorCategory,
  IntegrityError,
} from "@neuroledger/sdk/errors";

/**
 * The CLI's errors extend the sdk's one {@link BaseError} (short message, hints, details, cause,
 * `walk()`); each class declares its category, and {@link exitCodeOf} is the one table from
 * category to exit code. `main` is the one place that prints an error and returns its code.
 */
export const ExitCode = {
  ok: 0,
  /** Unexpected failure (a bug, or an error from a library the CLI did not expect). */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** Bad input: a file, card, model, image, key or CID that fails validation. */
  invalidInput: 3,
  /** Refused by the chain or by access control (not a member, no key wrap, ...). */
  refused: 4,
  /** Integrity failure: authentication or sha256 mismatch. */
  integrity: 5,
  /** A peer, gateway or chain node did not answer (in time). */
  timeout: 6,
  /** Interrupted by SIGINT / SIGTERM. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The one category -> exit code table (the codes cli/README.md promises). */
export const EXIT_CODE_OF_CATEGORY: Readonly<Record<ErrorCategory, ExitCode>> = {
  unexpected: ExitCode.failure,
  usage: ExitCode.usage,
  invalidInput: ExitCode.invalidInput,
  refused: ExitCode.refused,
  integrity: ExitCode.integrity,
  unavailable: ExitCode.timeout,
  interrupted: ExitCode.interrupted,
};

/** The exit code of any thrown value: the first sdk/cli error on its cause chain decides, else 1. */
export function exitCodeOf(error: unknown): ExitCode {
  return EXIT_CODE_OF_CATEGORY[categoryOf(error)];
}

export type CliErrorParameters = Omit<BaseErrorParameters, "details">;

/** A failure the CLI reports that fits no narrower class (exit 1). */
export class CliError extends BaseError {
  static override readonly category: ErrorCategory = "unexpected";
  override name = "CliError";
}

/** Bad flags or arguments, or a setting the command needs is missing (exit 2). */
export class UsageError extends CliError {
  static override readonly category: ErrorCategory = "usage";
  override name = "UsageError";
}

/** A file, card, model or path given to the CLI fails validation (exit 3). */
export class InvalidInputError extends CliError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidInputError";
}

/** Refused by the chain or by access control (exit 4). */
export class RefusedError extends CliError {
  static override readonly category: ErrorCategory = "refused";
  override name = "RefusedError";
}

/** A node, gateway or chain did not answer within the time allowed (exit 6). */
export class TimeoutError extends CliError {
  static override readonly category: ErrorCategory = "unavailable";
  override name = "TimeoutError";
}

/** A node, gateway or chain cannot be reached, or failed to serve what was asked (exit 6). */
export class UnavailableError extends CliError {
  static override readonly category: ErrorCategory = "unavailable";
  override name = "UnavailableError";
}

/** Stopped by SIGINT / SIGTERM (exit 130). */
export class InterruptedError extends CliError {
  static override readonly category: ErrorCategory = "interrupted";
  override name = "InterruptedError";
}

/** The one `IntegrityError` (the sdk's): decrypted bytes, a card or a keyring do not match the chain. */
export { IntegrityError };
