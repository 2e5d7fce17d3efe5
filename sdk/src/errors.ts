/**
 * Every error the SDK throws is a {@link BaseError}: a short message that names the problem,
 * optional hints that say how to fix it, optional details, and the underlying `cause`.
 * Callers branch on `instanceof` or on `name`.
 */
export type BaseErrorParameters = {
  /** What to try next, shown under the message. */
  hints?: readonly string[];
  /** Extra facts (sizes, indices, names) that explain the failure. */
  details?: string;
  cause?: unknown;
};

export class BaseError extends Error {
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
}

/** A byte stream is not a NeuroLedger encrypted container (bad magic, version or header). */
export class InvalidContainerError extends BaseError {
  override name = "InvalidContainerError";
}

/**
 * Authenticated decryption failed: the data was tampered with, truncated, reordered, or the key
 * is wrong. Nothing decrypted from a failing stream may be trusted.
 */
export class DecryptionFailedError extends BaseError {
  override name = "DecryptionFailedError";
}

/** A key, nonce or salt has the wrong length or shape. */
export class InvalidKeyError extends BaseError {
  override name = "InvalidKeyError";
}

/** A keyring is malformed (JSON or schema). */
export class InvalidKeyringError extends BaseError {
  override name = "InvalidKeyringError";
}

/**
 * A keyring carries no model card, one that describes another ONNX file than the on-chain sha256,
 * or one that does not hash to the card hash bound on chain at publish.
 */
export class KeyringCardError extends BaseError {
  override name = "KeyringCardError";
}

/** None of a model's keyrings (the current one, the previous one) could be fetched and verified. */
export class KeyringUnavailableError extends BaseError {
  override name = "KeyringUnavailableError";
}

/** The keyring holds no wrap for the account asking to decrypt. */
export class NoWrapForAccountError extends BaseError {
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
  override name = "InvalidModelCardError";
}

/** An image cannot be decoded (unknown format, corrupt data). */
export class ImageDecodeError extends BaseError {
  override name = "ImageDecodeError";
}

/**
 * A file in a format NeuroLedger recognises but does not read (NIfTI, TIFF, gzip, zip, ...), or
 * one it does not recognise at all (`format` "unknown"), or an empty file.
 */
export class UnsupportedFileFormatError extends ImageDecodeError {
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
  override name = "UnsupportedDicomError";
}

/** An image is larger than the configured pixel limit. */
export class ImageTooLargeError extends BaseError {
  override name = "ImageTooLargeError";
}

/** Pixel data or model input is malformed (wrong length, channels, sizes). */
export class InvalidInputError extends BaseError {
  override name = "InvalidInputError";
}

/** The ONNX model's outputs do not match the shared interface (names, shapes). */
export class ModelOutputError extends BaseError {
  override name = "ModelOutputError";
}

/** A file is not a loadable ONNX model. */
export class InvalidModelError extends BaseError {
  override name = "InvalidModelError";
}

/** A CID the registry cannot store (it keeps CIDv1 with a sha2-256 multihash: digest + codec). */
export class InvalidCidError extends BaseError {
  override name = "InvalidCidError";
}

/** A contract call reverted with one of the contracts' custom errors (decoded by name). */
export class ContractRevertError extends BaseError {
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
  override name = "IpfsFetchError";
}

/** An institution node refused to sign an account in to its gateway (see `createGatewaySession`). */
export class GatewayAuthError extends BaseError {
  override name = "GatewayAuthError";
}

/** Decrypted bytes do not hash to the sha256 recorded on chain: the model must not be used. */
export class IntegrityError extends BaseError {
  override name = "IntegrityError";
}
