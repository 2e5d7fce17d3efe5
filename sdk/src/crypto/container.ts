import { CONTENT_KEY_BYTES } from "./containerFormat.ts";
import { createDecryptStream, type DecryptStreamParameters } from "./decryptStream.ts";
import { createEncryptStream, type EncryptStreamParameters } from "./encryptStream.ts";
import { bytesToStream, streamToBytes } from "./streams.ts";
import { randomBytes } from "./webcrypto.ts";

/** A fresh random 256-bit content key (one per model version). */
export function generateContentKey(): Uint8Array<ArrayBuffer> {
  return randomBytes(CONTENT_KEY_BYTES);
}

/** Seals bytes held in memory into a container (use {@link createEncryptStream} for large files). */
export function encryptBytes(
  contentKey: Uint8Array,
  plaintext: Uint8Array,
  parameters: EncryptStreamParameters = {},
): Promise<Uint8Array<ArrayBuffer>> {
  return streamToBytes(
    bytesToStream(plaintext).pipeThrough(createEncryptStream(contentKey, parameters)),
  );
}

/** Opens a container held in memory (use {@link createDecryptStream} for large files). */
export function decryptBytes(
  contentKey: Uint8Array,
  container: Uint8Array,
  parameters: DecryptStreamParameters = {},
): Promise<Uint8Array<ArrayBuffer>> {
  return streamToBytes(
    bytesToStream(container).pipeThrough(createDecryptStream(contentKey, parameters)),
  );
}
