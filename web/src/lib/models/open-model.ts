import {
  type AccountKey,
  decryptModelToBytes,
  parseKeyring,
  type StreamProgress,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";
import { IntegrityError } from "@neuroledger/sdk/errors";

/** The sdk's one `IntegrityError`: a decrypted model whose sha256 differs from the chain's. */
export { IntegrityError as ModelVerificationError };

/**
 * The content key of a model (32 bytes), unwrapped from its keyring with the account's key.
 *
 * @throws InvalidKeyringError (malformed keyring), NoWrapForAccountError, DecryptionFailedError
 *   (the wrap does not open with this key).
 */
export async function unlockContentKey(
  keyringBytes: Uint8Array,
  account: string,
  accountKey: AccountKey,
) {
  return unwrapKeyring(parseKeyring(keyringBytes), account, accountKey);
}

export interface OpenModelParameters {
  /** The encrypted container as it arrives from the gateway. */
  ciphertext: ReadableStream<Uint8Array>;
  /** Container size, for the progress bar. */
  totalBytes?: number;
  contentKey: Uint8Array;
  /** sha256 of the plaintext ONNX recorded on chain. */
  expectedSha256: string;
  onProgress?: (progress: StreamProgress) => void;
}

/**
 * Decrypts a model while it streams in (each chunk authenticated) and returns it only when the
 * plaintext's sha256 equals the one on chain: the sdk's one decrypt-and-verify path
 * (`decryptModelToBytes`). The model ends up in memory anyway (ORT takes bytes), so the hash is
 * WebCrypto's one-shot digest (64 MiB: 0.85 s in all instead of 3.7 s).
 *
 * @returns the verified ONNX bytes.
 * @throws DecryptionFailedError / InvalidContainerError (tampered, truncated, wrong key),
 *   IntegrityError (alias ModelVerificationError: sha256 differs from the chain's).
 */
export async function openModel({
  ciphertext,
  totalBytes,
  contentKey,
  expectedSha256,
  onProgress,
}: OpenModelParameters): Promise<Uint8Array> {
  return decryptModelToBytes({
    ciphertext,
    contentKey,
    expectedSha256,
    onProgress,
    totalInputBytes: totalBytes,
  });
}
