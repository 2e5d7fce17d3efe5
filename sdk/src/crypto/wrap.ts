import { x25519 } from "@noble/curves/ed25519.js";
import { DecryptionFailedError, InvalidKeyError } from "../errors.ts";
import { concatBytes, utf8 } from "./bytes.ts";
import { CONTENT_KEY_BYTES } from "./containerFormat.ts";
import { aesGcmDecrypt, aesGcmEncrypt, hkdfSha256, importAesGcmKey } from "./webcrypto.ts";

/**
 * One content key sealed to one X25519 public key (version 1):
 *   E = X25519(e, base) for a fresh ephemeral secret e; shared = X25519(e, R)
 *   key || nonce = HKDF-SHA256(ikm = shared, salt = empty, info = "neuroledger/wrap/v1" || E || R), 32 + 12 bytes
 *   ciphertext = AES-256-GCM(key, nonce, aad = "neuroledger/wrap/v1", content key)   (32 + 16 bytes)
 */
export type KeyWrap = {
  ephemeralPublicKey: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
};

const WRAP_LABEL = utf8("neuroledger/wrap/v1");
export const WRAP_CIPHERTEXT_BYTES = CONTENT_KEY_BYTES + 16;

function checkKey(name: string, key: Uint8Array, length = 32): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new InvalidKeyError(`${name} must be ${length} bytes.`, {
      details: `Got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}.`,
    });
  }
}

async function wrapCipher(
  shared: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  recipientPublicKey: Uint8Array,
) {
  const okm = await hkdfSha256(
    new Uint8Array(shared),
    new Uint8Array(0),
    concatBytes(WRAP_LABEL, ephemeralPublicKey, recipientPublicKey),
    44,
  );
  return { key: await importAesGcmKey(okm.slice(0, 32)), nonce: okm.slice(32) };
}

function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(secretKey, publicKey);
  } catch (cause) {
    throw new InvalidKeyError("Invalid X25519 public key (a low-order point).", { cause });
  }
}

export type WrapContentKeyParameters = {
  contentKey: Uint8Array;
  recipientPublicKey: Uint8Array;
  /** Fixed ephemeral secret: only to reproduce test vectors. Random by default. */
  ephemeralSecretKey?: Uint8Array;
};

/** Seals a content key to a recipient's X25519 public key. */
export async function wrapContentKey(parameters: WrapContentKeyParameters): Promise<KeyWrap> {
  const { contentKey, recipientPublicKey } = parameters;
  checkKey("A content key", contentKey, CONTENT_KEY_BYTES);
  checkKey("A recipient public key", recipientPublicKey);
  const ephemeralSecretKey = parameters.ephemeralSecretKey ?? x25519.utils.randomSecretKey();
  checkKey("An ephemeral secret key", ephemeralSecretKey);
  const ephemeralPublicKey = new Uint8Array(x25519.getPublicKey(ephemeralSecretKey));
  const { key, nonce } = await wrapCipher(
    sharedSecret(ephemeralSecretKey, recipientPublicKey),
    ephemeralPublicKey,
    recipientPublicKey,
  );
  const ciphertext = await aesGcmEncrypt(key, nonce, WRAP_LABEL, new Uint8Array(contentKey));
  return { ephemeralPublicKey, ciphertext };
}

/** Opens a wrap with the recipient's secret key; throws {@link DecryptionFailedError} when it is not theirs or was altered. */
export async function unwrapContentKey(
  wrap: KeyWrap,
  recipientSecretKey: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  checkKey("A recipient secret key", recipientSecretKey);
  checkKey("An ephemeral public key", wrap.ephemeralPublicKey);
  if (wrap.ciphertext.length !== WRAP_CIPHERTEXT_BYTES) {
    throw new DecryptionFailedError(
      `A key wrap's ciphertext must be ${WRAP_CIPHERTEXT_BYTES} bytes, got ${wrap.ciphertext.length}.`,
    );
  }
  const recipientPublicKey = x25519.getPublicKey(recipientSecretKey);
  const { key, nonce } = await wrapCipher(
    sharedSecret(recipientSecretKey, wrap.ephemeralPublicKey),
    wrap.ephemeralPublicKey,
    recipientPublicKey,
  );
  try {
    return await aesGcmDecrypt(key, nonce, WRAP_LABEL, wrap.ciphertext);
  } catch (cause) {
    throw new DecryptionFailedError(
      "Could not unwrap the content key: the wrap was altered or is for another key.",
      { cause },
    );
  }
}
