/** `@neuroledger/sdk/crypto`: envelope encryption (browser and Node). */
export {
  type AccountKey,
  type AccountKeyDomain,
  accountKeyFromSignature,
  accountKeyMessage,
  deriveAccountKey,
  type MessageSigner,
  publicKeyHex,
} from "./accountKey.ts";
export { fromHex, type Hex, joinBytes, toHex } from "./bytes.ts";
export { decryptBytes, encryptBytes, generateContentKey } from "./container.ts";
export {
  CONTAINER_HEADER_BYTES,
  CONTAINER_TAG_BYTES,
  CONTAINER_VERSION,
  CONTENT_KEY_BYTES,
  type ContainerHeader,
  DEFAULT_CHUNK_SIZE,
  decryptedSize,
  encryptedSize,
  parseHeader,
} from "./containerFormat.ts";
export { createDecryptStream, type DecryptStreamParameters } from "./decryptStream.ts";
export {
  assertSha256,
  type DecryptModelToBytesParameters,
  type DecryptVerifiedParameters,
  decryptModelToBytes,
  decryptVerified,
  type OpenContainerParameters,
  type OpenContainerReturnType,
  openContainer,
  type PlaintextSink,
  readAhead,
  type VerifiedPlaintext,
} from "./decryptVerified.ts";
export {
  createEncryptStream,
  type EncryptStreamParameters,
  type StreamProgress,
} from "./encryptStream.ts";
export {
  buildKeyring,
  cardFromKeyring,
  contentKeyCommitment,
  isZeroHash,
  KEYRING_SCHEMA,
  type Keyring,
  type KeyringRecipient,
  type KeyWrapEntry,
  keyringSchema,
  parseKeyring,
  rewrapKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "./keyring.ts";
export { createSha256Stream, type Sha256Stream, sha256Hex } from "./sha256Stream.ts";
export { bytesToStream, streamToBytes } from "./streams.ts";
export {
  type KeyWrap,
  unwrapContentKey,
  type WrapContentKeyParameters,
  wrapContentKey,
} from "./wrap.ts";
