/**
 * The NeuroLedger encrypted container, version 1 (see the package README for the full spec).
 *
 *   header (32 bytes):
 *     0..3   magic "NLEC"
 *     4      version = 1
 *     5      suite = 1 (AES-256-GCM, HKDF-SHA256 file key)
 *     6..7   reserved, zero
 *     8..11  chunk size in plaintext bytes, uint32 big-endian
 *     12..15 reserved, zero
 *     16..31 salt (random per file)
 *   then chunks: AES-256-GCM(ciphertext || 16-byte tag) of `chunkSize` plaintext bytes each,
 *   the last one shorter (or empty when the whole plaintext is empty).
 *
 *   file key || base nonce = HKDF-SHA256(ikm = content key, salt, info = "neuroledger/container/v1"), 32 + 12 bytes
 *   nonce(i) = base nonce XOR (4 zero bytes || uint64be(i))
 *   AAD(i)   = header || uint64be(i) || final flag (1 on the last chunk, else 0)
 */
import { InvalidContainerError, InvalidKeyError } from "../errors.ts";
import { concatBytes, u64be, utf8 } from "./bytes.ts";
import { hkdfSha256, importAesGcmKey } from "./webcrypto.ts";

export const CONTAINER_MAGIC = utf8("NLEC");
export const CONTAINER_VERSION = 1;
export const CONTAINER_SUITE_AES256GCM_HKDF = 1;
export const CONTAINER_HEADER_BYTES = 32;
export const CONTAINER_SALT_BYTES = 16;
export const CONTAINER_TAG_BYTES = 16;
export const CONTENT_KEY_BYTES = 32;
/** 1 MiB: small enough for flat memory and fine-grained progress, large enough that tags cost nothing. */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
export const MIN_CHUNK_SIZE = 16;
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
const FILE_KEY_INFO = utf8("neuroledger/container/v1");

export type ContainerHeader = {
  version: number;
  suite: number;
  chunkSize: number;
  salt: Uint8Array<ArrayBuffer>;
  /** The 32 header bytes exactly as written (bound into every chunk's AAD). */
  bytes: Uint8Array<ArrayBuffer>;
};

export function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new InvalidContainerError(`Invalid chunk size ${chunkSize}.`, {
      details: `The chunk size must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes.`,
    });
  }
}

export function checkContentKey(contentKey: Uint8Array): void {
  if (!(contentKey instanceof Uint8Array) || contentKey.length !== CONTENT_KEY_BYTES) {
    throw new InvalidKeyError(`A content key must be ${CONTENT_KEY_BYTES} bytes.`, {
      details: `Got ${contentKey instanceof Uint8Array ? `${contentKey.length} bytes` : typeof contentKey}.`,
      hints: ["Create one with generateContentKey()."],
    });
  }
}

export function encodeHeader(chunkSize: number, salt: Uint8Array): ContainerHeader {
  checkChunkSize(chunkSize);
  if (salt.length !== CONTAINER_SALT_BYTES) {
    throw new InvalidKeyError(
      `The container salt must be ${CONTAINER_SALT_BYTES} bytes, got ${salt.length}.`,
    );
  }
  const bytes = new Uint8Array(CONTAINER_HEADER_BYTES);
  bytes.set(CONTAINER_MAGIC, 0);
  bytes[4] = CONTAINER_VERSION;
  bytes[5] = CONTAINER_SUITE_AES256GCM_HKDF;
  new DataView(bytes.buffer).setUint32(8, chunkSize);
  bytes.set(salt, 16);
  return {
    version: CONTAINER_VERSION,
    suite: CONTAINER_SUITE_AES256GCM_HKDF,
    chunkSize,
    salt: bytes.slice(16),
    bytes,
  };
}

/** Parses and validates the first 32 bytes of a container. */
export function parseHeader(input: Uint8Array): ContainerHeader {
  if (input.length < CONTAINER_HEADER_BYTES) {
    throw new InvalidContainerError(
      "Not a NeuroLedger encrypted container: it is shorter than the 32-byte header.",
      {
        details: `Got ${input.length} bytes.`,
      },
    );
  }
  const bytes = input.slice(0, CONTAINER_HEADER_BYTES);
  for (let i = 0; i < CONTAINER_MAGIC.length; i++) {
    if (bytes[i] !== CONTAINER_MAGIC[i]) {
      throw new InvalidContainerError(
        'Not a NeuroLedger encrypted container: the magic bytes "NLEC" are missing.',
        {
          hints: ["Is this the plaintext model, or a file from another tool?"],
        },
      );
    }
  }
  const version = bytes[4] as number;
  if (version !== CONTAINER_VERSION) {
    throw new InvalidContainerError(`Unsupported container version ${version}.`, {
      hints: ["This SDK reads version 1; upgrade @neuroledger/sdk."],
    });
  }
  const suite = bytes[5] as number;
  if (suite !== CONTAINER_SUITE_AES256GCM_HKDF) {
    throw new InvalidContainerError(`Unsupported container cipher suite ${suite}.`);
  }
  const view = new DataView(bytes.buffer);
  if (view.getUint16(6) !== 0 || view.getUint32(12) !== 0) {
    throw new InvalidContainerError("Invalid container header: reserved bytes are not zero.");
  }
  const chunkSize = view.getUint32(8);
  checkChunkSize(chunkSize);
  return { version, suite, chunkSize, salt: bytes.slice(16), bytes };
}

export type ChunkCipher = {
  key: CryptoKey;
  header: ContainerHeader;
  nonce(index: number): Uint8Array<ArrayBuffer>;
  aad(index: number, final: boolean): Uint8Array<ArrayBuffer>;
};

/** Derives the per-file AES key and base nonce from the content key and the header's salt. */
export async function chunkCipher(
  contentKey: Uint8Array,
  header: ContainerHeader,
): Promise<ChunkCipher> {
  checkContentKey(contentKey);
  const okm = await hkdfSha256(new Uint8Array(contentKey), header.salt, FILE_KEY_INFO, 44);
  const key = await importAesGcmKey(okm.slice(0, 32));
  const baseNonce = okm.slice(32, 44);
  okm.fill(0);
  return {
    key,
    header,
    nonce(index) {
      const nonce = baseNonce.slice();
      const counter = u64be(index);
      for (let i = 0; i < 8; i++) nonce[4 + i] = (nonce[4 + i] as number) ^ (counter[i] as number);
      return nonce;
    },
    aad(index, final) {
      return concatBytes(header.bytes, u64be(index), Uint8Array.of(final ? 1 : 0));
    },
  };
}

/** Size of the container for a plaintext of `plaintextBytes` bytes. */
export function encryptedSize(plaintextBytes: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / chunkSize));
  return CONTAINER_HEADER_BYTES + plaintextBytes + chunks * CONTAINER_TAG_BYTES;
}

/** Plaintext size of a well-formed container of `containerBytes` bytes with the given chunk size. */
export function decryptedSize(containerBytes: number, chunkSize: number): number {
  const body = containerBytes - CONTAINER_HEADER_BYTES;
  const segment = chunkSize + CONTAINER_TAG_BYTES;
  const chunks = Math.max(1, Math.ceil(body / segment));
  return body - chunks * CONTAINER_TAG_BYTES;
}
