import {
  type AccountKey,
  createDecryptStream,
  createSha256Stream,
  parseKeyring,
  type StreamProgress,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";
import { sameHash } from "./sha256.ts";

export class ModelVerificationError extends Error {
  override name = "ModelVerificationError";
}

/** The content key of a model, unwrapped from its keyring with the account's key. */
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
 * Decrypts a model while it streams in (each chunk authenticated), hashes the plaintext on the
 * way, and returns it only when the hash equals the one on chain. Nothing is returned otherwise.
 */
export async function openModel({
  ciphertext,
  totalBytes,
  contentKey,
  expectedSha256,
  onProgress,
}: OpenModelParameters): Promise<Uint8Array> {
  const hash = createSha256Stream();
  const parts: Uint8Array[] = [];
  let size = 0;
  await ciphertext
    .pipeThrough(createDecryptStream(contentKey, { onProgress, totalInputBytes: totalBytes }))
    .pipeThrough(hash.stream)
    .pipeTo(
      new WritableStream({
        write(chunk) {
          parts.push(chunk);
          size += chunk.length;
        },
      }),
    );
  const actual = await hash.digest;
  if (!sameHash(actual, expectedSha256)) {
    throw new ModelVerificationError(
      `The decrypted model hashes to ${actual}, but the chain records ${expectedSha256}: it was not used.`,
    );
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
