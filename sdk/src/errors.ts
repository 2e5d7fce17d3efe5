/**
 * Every error the SDK (and the CLI, whose errors extend it) throws is a {@link BaseError}, in the
 * shape of viem's `BaseError`: a short message that names the problem, optional hints that say how
 * to fix it, optional details, the underlying `cause`, and {@link BaseError.walk} over the cause
 * chain. Each class declares its {@link ErrorCategory} (`static category`), which callers map to
 * what they show or do (the CLI: its exit code). Callers branch on `instanceof`, `name` or
 * `category`.
 */
export type BaseErrorParameters = {
  /** What to try next, shown under the message. */
  hints?: readonly string[];
  /** Extra facts (sizes, indices, names) that explain the failure. */
  details?: string;
  cause?: unknown;
};

/**
 * What kind of failure an error is, independent of who reports it:
 * - `unexpected`: a bug, or a failure nobody classified;
 * - `usage`: a caller passed bad arguments or lacks a setting;
 * - `invalidInput`: a file, card, image, key or CID fails validation;
 * - `refused`: the chain or access control said no (not a member, no key wrap, a revert);
 * - `integrity`: authentication or sha256 mismatch: the bytes must not be used;
 * - `unavailable`: a node, gateway or chain did not answer (in time);
 * - `interrupted`: stopped by a signal.
 */
export type ErrorCategory =
  | "unexpected"
  | "usage"
  | "invalidInput"
  | "refused"
  | "integrity"
  | "unavailable"
  | "interrupted";

export class BaseError extends Error {
  /** The category of every instance of this class; each subclass declares its own. */
  static readonly category: ErrorCategory = "unexpected";
  override name = "NeuroLedgerError";
  readonly shortMessage: string;
  readonly hints: readonly string[];
  readonly details: string | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { hints = [], details, cause } = parameters;
    const lines = [shortMessage];
    if (details) lines.push("", `Details: ${details}`);
    for (const hint of hints) lines.push(`Hint: ${hint}`);
    super(lines.join("\n"), cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.hints = hints;
    this.details = details;
  }

  /** This error's category (its class's `static category`). */
  get category(): ErrorCategory {
    return (this.constructor as typeof BaseError).category;
  }

  /**
   * Follows the `cause` chain from this error. Without `predicate`, returns the deepest cause;
   * with it, the first error in the chain (this one included) it accepts, or `null`.
   *
   * @example
   * const integrity = err.walk((e) => e instanceof IntegrityError);
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkCauses(this, predicate);
  }
}

/**
 * {@link BaseError.walk} for any thrown value: follows `cause` links (at most 32, against cycles).
 * Returns the first value `predicate` accepts (or `null`), or without `predicate` the deepest cause.
 */
export function walkCauses(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  let current = error;
  for (let depth = 0; depth < 32; depth++) {
    if (predicate?.(current)) return current;
    const cause = current instanceof Error ? current.cause : undefined;
    if (cause === undefined) return predicate ? null : current;
    current = cause;
  }
  return predicate ? null : current;
}

/**
 * The category of any thrown value: the first {@link BaseError} on its cause chain decides;
 * anything else is `unexpected`.
 */
export function categoryOf(error: unknown): ErrorCategory {
  const known = walkCauses(error, (e) => e instanceof BaseError) as BaseError | null;
  return known?.category ?? "unexpected";
}

/** A byte stream is not a NeuroLedger encrypted container (bad magic, version or header). */
export class InvalidContainerError extends BaseError {
  static override readonly category: ErrorCategory = "integrity";
  override name = "InvalidContainerError";
}

/**
 * Authenticated decryption failed: the data was tampered with, truncated, reordered, or the key
 * is wrong. Nothing decrypted from a failing stream may be trusted.
 */
export class DecryptionFailedError extends BaseError {
  static override readonly category: ErrorCategory = "integrity";
  override name = "DecryptionFailedError";
}

/** A key, nonce or salt has the wrong length or shape. */
export class InvalidKeyError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidKeyError";
}

/** A keyring is malformed (JSON or schema). */
export class InvalidKeyringError extends BaseError {
  static override readonly category: ErrorCategory = "integrity";
  override name = "InvalidKeyringError";
}

/**
 * A keyring carries no model card, one that describes another ONNX file than the on-chain sha256,
 * or one that does not hash to the card hash bound on chain at publish.
 */
export class KeyringCardError extends BaseError {
  static override readonly category: ErrorCategory = "integrity";
  override name = "KeyringCardError";
}

/** None of a model's keyrings (the current one, the previous one) could be fetched and verified. */
export class KeyringUnavailableError extends BaseError {
  static override readonly category: ErrorCategory = "unavailable";
  override name = "KeyringUnavailableError";
}

/** The keyring holds no wrap for the account asking to decrypt. */
export class NoWrapForAccountError extends BaseError {
  static override readonly category: ErrorCategory = "refused";
  override name = "NoWrapForAccountError";
  readonly account: string;
  constructor(account: string, parameters: BaseErrorParameters = {}) {
    super(`The keyring holds no key for account ${account}.`, {
      hints: [
        "Ask a member to authorize this account; a keeper node then re-wraps the key for it.",
        "Check that you are signed in with the account that was authorized.",
      ],
      ...parameters,
    });
    this.account = account;
  }
}

/** A model card does not match the `neuroledger.model-card/1` schema. */
export class InvalidModelCardError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidModelCardError";
}

/** An image cannot be decoded (unknown format, corrupt data). */
export class ImageDecodeError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "ImageDecodeError";
}

/**
 * A file in a format NeuroLedger recognises but does not read (NIfTI, TIFF, gzip, zip, ...), or
 * one it does not recognise at all (`format` "unknown"), or an empty file.
 */
export class UnsupportedFileFormatError extends ImageDecodeError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "UnsupportedFileFormatError";
  /** What the bytes are, e.g. "nifti", "tiff", "empty", "unknown". */
  readonly format: string;
  constructor(format: string, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters);
    this.format = format;
  }
}

/** An image (or DICOM frame) too small to carry a diagnosis (docs/interfaces.md section 2.0). */
export class ImageTooSmallError extends ImageDecodeError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "ImageTooSmallError";
  readonly width: number;
  readonly height: number;
  constructor(
    width: number,
    height: number,
    minSide: number,
    parameters: BaseErrorParameters = {},
  ) {
    super(
      `The image is ${width}x${height} pixels: too small to carry a diagnosis (each side needs at least ${minSide}).`,
      parameters,
    );
    this.width = width;
    this.height = height;
  }
}

/** A DICOM file whose pixel encoding is not read (transfer syntax, photometric, bit depth). */
export class UnsupportedDicomError extends ImageDecodeError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "UnsupportedDicomError";
}

/** An image is larger than the configured pixel limit. */
export class ImageTooLargeError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "ImageTooLargeError";
}

/** Pixel data or model input is malformed (wrong length, channels, sizes). */
export class InvalidInputError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidInputError";
}

/** The ONNX model's outputs do not match the shared interface (names, shapes). */
export class ModelOutputError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "ModelOutputError";
}

/** A file is not a loadable ONNX model. */
export class InvalidModelError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidModelError";
}

/** A CID the registry cannot store (it keeps CIDv1 with a sha2-256 multihash: digest + codec). */
export class InvalidCidError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidCidError";
}

/**
 * A network whose weights ({@link weightsHash} of `@neuroledger/sdk/card`) were published before,
 * as model `modelId`: the registry keeps each network once, whatever its file's names and metadata
 * (`RegistryWeightsAlreadyPublished`, or a publisher's check before it uploads anything).
 */
export class WeightsAlreadyPublishedError extends BaseError {
  static override readonly category: ErrorCategory = "refused";
  override name = "WeightsAlreadyPublishedError";
  readonly modelId: bigint;
  readonly weightsHash: string;
  constructor(modelId: bigint, weightsHash: string, parameters: BaseErrorParameters = {}) {
    super(`these weights are already published as model ${modelId} (ignoring names and metadata)`, {
      details: `weightsHash ${weightsHash}`,
      hints: [
        "Renaming tensors or changing metadata does not make a new model: train or fine-tune one.",
        `Use model ${modelId}, or evaluate it on your data (\`neuroledger evaluate --model ${modelId} --submit\`).`,
      ],
      ...parameters,
    });
    this.modelId = modelId;
    this.weightsHash = weightsHash;
  }
}

/** A contract call reverted with one of the contracts' custom errors (decoded by name). */
export class ContractRevertError extends BaseError {
  static override readonly category: ErrorCategory = "refused";
  override name = "ContractRevertError";
  /** The Solidity error name, e.g. "RegistryDownloadNotAuthorized". */
  readonly errorName: string;
  readonly args: readonly unknown[];
  constructor(errorName: string, args: readonly unknown[], parameters: BaseErrorParameters = {}) {
    super(
      `The contract refused the call: ${errorName}(${args.map(String).join(", ")}).`,
      parameters,
    );
    this.errorName = errorName;
    this.args = args;
  }
}

/** Content could not be fetched from IPFS in time (dead gateway, missing CID, no provider). */
export class IpfsFetchError extends BaseError {
  static override readonly category: ErrorCategory = "unavailable";
  override name = "IpfsFetchError";
}

/** An institution node refused to sign an account in to its gateway (see `createGatewaySession`). */
export class GatewayAuthError extends BaseError {
  static override readonly category: ErrorCategory = "refused";
  override name = "GatewayAuthError";
}

/** Decrypted bytes do not hash to the sha256 recorded on chain: the model must not be used. */
export class IntegrityError extends BaseError {
  static override readonly category: ErrorCategory = "integrity";
  override name = "IntegrityError";
}

/**
 * An output path cannot be used: its folder is missing or not writable, or it names a folder or
 * a special file. Found before anything is decrypted or recorded.
 */
export class InvalidOutputError extends BaseError {
  static override readonly category: ErrorCategory = "invalidInput";
  override name = "InvalidOutputError";
}
