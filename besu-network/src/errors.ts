/** Options of every error this package throws. */
export type BaseErrorOptions = {
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
};

/**
 * Base of every error of `@neuroledger/besu-network`: a short message, a hint to fix it, and the
 * cause it wraps. The CLI prints `message` and `hint` and exits with status 1.
 */
export class BesuNetworkError extends Error {
  override name = "BesuNetworkError";
  readonly hint: string | undefined;

  constructor(message: string, options: BaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A file the generator would write already exists and `--force` was not given. */
export class OutputExistsError extends BesuNetworkError {
  override name = "OutputExistsError";
  readonly paths: readonly string[];

  constructor(paths: readonly string[], isKey: boolean) {
    const what = isKey ? "node keys" : "network files";
    super(
      `Refusing to overwrite existing ${what}: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? `, and ${paths.length - 3} more` : ""}`,
      {
        hint: isKey
          ? "Regenerating replaces the identity of every node (new enodes, new validators). Pass --force only for a brand-new network, and delete each node's data/ directory."
          : "Choose another --out directory, or pass --force.",
      },
    );
    this.paths = paths;
  }
}

/** Input that fails validation (CLI options, JSON-RPC answers, files). */
export class InvalidInputError extends BesuNetworkError {
  override name = "InvalidInputError";
}

/** A Besu node answered a PERM JSON-RPC call with an error. */
export class PermRpcError extends BesuNetworkError {
  override name = "PermRpcError";
}
