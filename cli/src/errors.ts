/**
 * Every failure the CLI reports is a {@link CliError}: a short message naming the problem, hints
 * on how to fix it, and an exit code. `main` is the one place that prints it and exits.
 */
export const ExitCode = {
  ok: 0,
  /** Unexpected failure (a bug, or an error from a library the CLI did not expect). */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** Bad input: a file, card or model that fails validation. */
  invalidInput: 3,
  /** Refused by the chain or by access control (not a member, no key wrap, ...). */
  refused: 4,
  /** Integrity failure: authentication or sha256 mismatch. */
  integrity: 5,
  /** A peer, gateway or chain node did not answer in time. */
  timeout: 6,
  /** Interrupted by SIGINT / SIGTERM. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorParameters {
  hints?: readonly string[];
  cause?: unknown;
  exitCode?: ExitCode;
}

export class CliError extends Error {
  override name = "CliError";
  readonly shortMessage: string;
  readonly hints: readonly string[];
  readonly exitCode: ExitCode;

  constructor(shortMessage: string, parameters: CliErrorParameters = {}) {
    const { hints = [], cause, exitCode = ExitCode.failure } = parameters;
    super(
      [shortMessage, ...hints.map((h) => `Hint: ${h}`)].join("\n"),
      cause === undefined ? undefined : { cause },
    );
    this.shortMessage = shortMessage;
    this.hints = hints;
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string, parameters: Omit<CliErrorParameters, "exitCode"> = {}) {
    super(message, { ...parameters, exitCode: ExitCode.usage });
  }
}

export class InvalidInputError extends CliError {
  override name = "InvalidInputError";
  constructor(message: string, parameters: Omit<CliErrorParameters, "exitCode"> = {}) {
    super(message, { ...parameters, exitCode: ExitCode.invalidInput });
  }
}

export class RefusedError extends CliError {
  override name = "RefusedError";
  constructor(message: string, parameters: Omit<CliErrorParameters, "exitCode"> = {}) {
    super(message, { ...parameters, exitCode: ExitCode.refused });
  }
}

export class IntegrityError extends CliError {
  override name = "IntegrityError";
  constructor(message: string, parameters: Omit<CliErrorParameters, "exitCode"> = {}) {
    super(message, { ...parameters, exitCode: ExitCode.integrity });
  }
}

export class TimeoutError extends CliError {
  override name = "TimeoutError";
  constructor(message: string, parameters: Omit<CliErrorParameters, "exitCode"> = {}) {
    super(message, { ...parameters, exitCode: ExitCode.timeout });
  }
}
