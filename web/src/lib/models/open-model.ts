import {
  type AccountKey,
  createDecryptStream,
  parseKeyring,
  type StreamProgress,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";
import { sameHash, sha256Hex } from "./sha256.ts";

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
 * Decrypts a model while it streams in (each chunk authenticated) and returns it only when the
 * plaintext's sha256 equals the one on chain. The model ends up in memory anyway (ORT takes
 * bytes), so the hash is WebCrypto's one-shot digest (64 MiB: 0.85 s in all instead of 3.7 s).
 */
export async function openModel({
  ciphertext,
  totalBytes,
  contentKey,
  expectedSha256,
  onProgress,
}: OpenModelParameters): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  await ciphertext
    .pipeThrough(createDecryptStream(contentKey, { onProgress, totalInputBytes: totalBytes }))
    .pipeTo(
      new WritableStream({
        write(chunk) {
          parts.push(chunk);
          size += chunk.length;
        },
      }),
    );
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  const actual = await sha256Hex(bytes);
  if (!sameHash(actual, expectedSha256)) {
    throw new ModelVerificationError(
      `The decrypted model hashes to ${actual}, but the chain records ${expectedSha256}: it was not used.`,
    );
  }
  return bytes;
}
