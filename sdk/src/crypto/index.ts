/** `@neuroledger/sdk/crypto`: envelope encryption (browser and Node). */
export { type AccountKey, type AccountKeyDomain, type MessageSigner, accountKeyFromSignature, accountKeyMessage, deriveAccountKey, publicKeyHex } from "./accountKey.ts";
export { type Hex, fromHex, toHex } from "./bytes.ts";
export { decryptBytes, encryptBytes, generateContentKey } from "./container.ts";
export {
  CONTAINER_HEADER_BYTES,
  CONTAINER_TAG_BYTES,
  CONTAINER_VERSION,
  type ContainerHeader,
  CONTENT_KEY_BYTES,
  DEFAULT_CHUNK_SIZE,
  decryptedSize,
  encryptedSize,
  parseHeader,
} from "./containerFormat.ts";
export { type DecryptStreamParameters, createDecryptStream } from "./decryptStream.ts";
export { type EncryptStreamParameters, type StreamProgress, createEncryptStream } from "./encryptStream.ts";
export {
  KEYRING_SCHEMA,
  type Keyring,
  type KeyringRecipient,
  type KeyWrapEntry,
  buildKeyring,
  contentKeyCommitment,
  keyringSchema,
  parseKeyring,
  rewrapKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "./keyring.ts";
export { type Sha256Stream, createSha256Stream, sha256Hex } from "./sha256Stream.ts";
export { bytesToStream, streamToBytes } from "./streams.ts";
export { type KeyWrap, type WrapContentKeyParameters, unwrapContentKey, wrapContentKey } from "./wrap.ts";
