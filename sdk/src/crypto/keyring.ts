import { CID } from "multiformats/cid";
import { z } from "zod";
import { cardHash } from "../card/cardHash.ts";
import { type ModelCard, modelCardSchema } from "../card/schema.ts";
import {
  DecryptionFailedError,
  InvalidKeyError,
  InvalidKeyringError,
  KeyringCardError,
  NoWrapForAccountError,
} from "../errors.ts";
import { jsonValue } from "../jsonInput.ts";
import type { AccountKey } from "./accountKey.ts";
import { concatBytes, equalBytes, fromHex, type Hex, toHex, tryFromHex, utf8 } from "./bytes.ts";
import { CONTENT_KEY_BYTES } from "./containerFormat.ts";
import { sha256 } from "./webcrypto.ts";
import { unwrapContentKey, WRAP_CIPHERTEXT_BYTES, wrapContentKey } from "./wrap.ts";

export const KEYRING_SCHEMA = "neuroledger.keyring/1";
export const KEYRING_SUITE = "X25519-HKDF-SHA256-AES-256-GCM";

const hexBytes = (length: number) =>
  z
    .string()
    .regex(
      new RegExp(`^0x[0-9a-f]{${length * 2}}$`),
      `expected 0x + ${length * 2} lower-case hex digits`,
    );
const address = z.string().regex(/^0x[0-9a-f]{40}$/, "expected a lower-case 0x address");
const cidV1 = z.string().refine((value) => {
  try {
    return CID.parse(value).toV1().toString() === value;
  } catch {
    return false;
  }
}, "expected a CIDv1 string (base32)");

export const keyWrapEntrySchema = z.strictObject({
  /** The account the key is wrapped for (lower case). */
  account: address,
  /** Its X25519 public key, as registered on chain. */
  publicKey: hexBytes(32),
  ephemeralPublicKey: hexBytes(32),
  ciphertext: hexBytes(WRAP_CIPHERTEXT_BYTES),
});

export const keyringSchema = z
  .strictObject({
    schema: z.literal(KEYRING_SCHEMA),
    suite: z.literal(KEYRING_SUITE),
    /** SHA-256("neuroledger/key-commitment/v1" || content key): proves an unwrapped key is the right one. */
    keyCommitment: hexBytes(32),
    wraps: z.array(keyWrapEntrySchema),
    /**
     * The model card (`neuroledger.model-card/1`). The registry stores no card, so it travels here,
     * beside the wraps every downloader already fetches; it is not secret. Optional: keyrings
     * written before it existed still parse.
     */
    card: modelCardSchema.optional(),
    /**
     * The CIDv1 of the ciphertext these wraps open. Readers refuse a keyring whose `content` is not
     * the model's on-chain content (a keyring of another model, or of the content before a key
     * rotation). Optional: keyrings written before it existed still parse.
     */
    content: cidV1.optional(),
  })
  .superRefine((keyring, context) => {
    const seen = new Set<string>();
    for (const [index, wrap] of keyring.wraps.entries()) {
      if (seen.has(wrap.account)) {
        context.addIssue({
          code: "custom",
          path: ["wraps", index, "account"],
          message: `duplicate account ${wrap.account}`,
        });
      }
      seen.add(wrap.account);
    }
  });

export type KeyWrapEntry = z.infer<typeof keyWrapEntrySchema>;
export type Keyring = z.infer<typeof keyringSchema>;

/** An account to wrap the content key for: its address and its registered X25519 public key. */
export type KeyringRecipient = {
  account: string;
  publicKey: Hex | Uint8Array;
};

const COMMITMENT_LABEL = utf8("neuroledger/key-commitment/v1");

export async function contentKeyCommitment(contentKey: Uint8Array): Promise<Hex> {
  return toHex(await sha256(concatBytes(COMMITMENT_LABEL, contentKey)));
}

function normaliseRecipient(recipient: KeyringRecipient): {
  account: Hex;
  publicKey: Uint8Array<ArrayBuffer>;
} {
  if (!/^0x[0-9a-fA-F]{40}$/.test(recipient.account)) {
    throw new InvalidKeyError(`Invalid account address ${recipient.account}.`);
  }
  const publicKey =
    typeof recipient.publicKey === "string"
      ? tryFromHex(recipient.publicKey)
      : new Uint8Array(recipient.publicKey);
  if (publicKey?.length !== 32) {
    throw new InvalidKeyError(
      `Account ${recipient.account} has no valid X25519 public key (32 bytes).`,
      {
        hints: ["The account must register its encryption key on chain first."],
      },
    );
  }
  return { account: recipient.account.toLowerCase() as Hex, publicKey };
}

async function checkCommitment(contentKey: Uint8Array, keyring: Keyring): Promise<void> {
  if ((await contentKeyCommitment(contentKey)) !== keyring.keyCommitment) {
    throw new DecryptionFailedError(
      "The content key does not match the keyring's key commitment.",
      {
        hints: ["The keyring was altered, or it belongs to another model."],
      },
    );
  }
}

async function wrapFor(
  contentKey: Uint8Array,
  recipient: { account: Hex; publicKey: Uint8Array },
): Promise<KeyWrapEntry> {
  const wrap = await wrapContentKey({ contentKey, recipientPublicKey: recipient.publicKey });
  return {
    account: recipient.account,
    publicKey: toHex(recipient.publicKey),
    ephemeralPublicKey: toHex(wrap.ephemeralPublicKey),
    ciphertext: toHex(wrap.ciphertext),
  };
}

function sortedByAccount(wraps: KeyWrapEntry[]): KeyWrapEntry[] {
  return wraps.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

function uniqueRecipients(recipients: readonly KeyringRecipient[]) {
  const normalised = recipients.map(normaliseRecipient);
  const seen = new Set<string>();
  for (const r of normalised) {
    if (seen.has(r.account)) throw new InvalidKeyError(`Account ${r.account} is listed twice.`);
    seen.add(r.account);
  }
  return normalised;
}

/**
 * Wraps a content key for every recipient (a fresh ephemeral key each).
 *
 * @example
 * const keyring = await buildKeyring(contentKey, [{ account, publicKey: await registry.read.encryptionKey([account]) }]);
 */
export async function buildKeyring(
  contentKey: Uint8Array,
  recipients: readonly KeyringRecipient[],
  card?: ModelCard,
  options: {
    /** The ciphertext's CID (recorded as CIDv1 so readers can check it against the chain). */
    content?: CID | string;
  } = {},
): Promise<Keyring> {
  if (contentKey.length !== CONTENT_KEY_BYTES)
    throw new InvalidKeyError(`A content key must be ${CONTENT_KEY_BYTES} bytes.`);
  const wraps = await Promise.all(uniqueRecipients(recipients).map((r) => wrapFor(contentKey, r)));
  return {
    schema: KEYRING_SCHEMA,
    suite: KEYRING_SUITE,
    keyCommitment: await contentKeyCommitment(contentKey),
    wraps: sortedByAccount(wraps),
    ...(card === undefined ? {} : { card }),
    ...(options.content === undefined ? {} : { content: contentCidString(options.content) }),
  };
}

function contentCidString(content: CID | string): string {
  try {
    return (CID.asCID(content) ?? CID.parse(String(content))).toV1().toString();
  } catch (cause) {
    throw new InvalidKeyringError(`Not a content CID: ${String(content)}.`, { cause });
  }
}

/**
 * The model card a keyring carries, checked against the model's on-chain sha256 (with or without
 * `0x`) and, when given and not zero, against the card hash the publisher bound on chain
 * (`Model.cardHash`, see {@link cardHash}). Throws {@link KeyringCardError} when the keyring has no
 * card, the card describes another ONNX file, or it is not the card that was published (e.g. its
 * labels were swapped by whoever wrote the keyring).
 *
 * @example
 * const card = cardFromKeyring(parseKeyring(await reader.bytes(model.keyring)), model.sha256, model.cardHash);
 */
export function cardFromKeyring(
  keyring: Keyring,
  expectedSha256: string,
  expectedCardHash?: string,
): ModelCard {
  const expected = expectedSha256.replace(/^0x/, "").toLowerCase();
  if (!keyring.card) {
    throw new KeyringCardError(`The keyring of model ${expected} carries no model card.`, {
      hints: [
        "The model was published before cards travelled in the keyring: re-publish it, or pass the card.json by hand.",
      ],
    });
  }
  const card = modelCardSchema.safeParse(keyring.card);
  if (!card.success) {
    throw new KeyringCardError("The keyring's model card does not match its schema.", {
      details: z.prettifyError(card.error),
      cause: card.error,
    });
  }
  if (card.data.onnx.sha256 !== expected) {
    throw new KeyringCardError(
      `The keyring's card describes ONNX ${card.data.onnx.sha256}, not the on-chain ${expected}.`,
      { hints: ["The keyring was altered, or it belongs to another model."] },
    );
  }
  if (expectedCardHash !== undefined && !isZeroHash(expectedCardHash)) {
    const actual = cardHash(card.data);
    if (actual !== expectedCardHash.toLowerCase()) {
      throw new KeyringCardError(
        `The keyring's model card is not the card its publisher bound on chain (card hash ${actual}, on chain ${expectedCardHash.toLowerCase()}).`,
        {
          hints: [
            "Do not run this model with this card: the keyring was altered after publishing.",
            "Readers fall back to the model's previous keyring; report the keyring CID to the publishing institution.",
          ],
        },
      );
    }
  }
  return card.data;
}

/** Whether a 32-byte hash (0x + 64 hex digits) is zero: models published before card hashes. */
export function isZeroHash(hash: string): boolean {
  return /^0x0{64}$/.test(hash);
}

/**
 * Finds the account's wrap and returns the content key. Throws {@link NoWrapForAccountError} when the
 * keyring holds none, {@link DecryptionFailedError} when the wrap or the keyring was altered.
 */
export async function unwrapKeyring(
  keyring: Keyring,
  account: string,
  accountKey: AccountKey,
): Promise<Uint8Array<ArrayBuffer>> {
  const wrap = keyring.wraps.find((w) => w.account === account.toLowerCase());
  if (!wrap) throw new NoWrapForAccountError(account);
  if (!equalBytes(fromHex(wrap.publicKey), accountKey.publicKey)) {
    throw new NoWrapForAccountError(account, {
      details: `The keyring wraps for public key ${wrap.publicKey}, not for this account's key ${toHex(accountKey.publicKey)}.`,
      hints: [
        "Derive the key on the same chain and registry, or ask a keeper to re-wrap for your current key.",
      ],
    });
  }
  const contentKey = await unwrapContentKey(
    { ephemeralPublicKey: fromHex(wrap.ephemeralPublicKey), ciphertext: fromHex(wrap.ciphertext) },
    accountKey.secretKey,
  );
  await checkCommitment(contentKey, keyring);
  return contentKey;
}

/**
 * A new keyring for exactly `recipients`, without re-encrypting the model: wraps already present
 * for the same account and public key are kept as they are, new recipients get fresh wraps, and
 * accounts not listed are left out; the card is carried over unchanged. A removed account keeps whatever it already decrypted (and the
 * content key, if it saved it): removal only stops access to future model versions.
 */
export async function rewrapKeyring(
  keyring: Keyring,
  contentKey: Uint8Array,
  recipients: readonly KeyringRecipient[],
): Promise<Keyring> {
  await checkCommitment(contentKey, keyring);
  const existing = new Map(keyring.wraps.map((w) => [w.account, w]));
  const wraps = await Promise.all(
    uniqueRecipients(recipients).map(async (r) => {
      const kept = existing.get(r.account);
      return kept && kept.publicKey === toHex(r.publicKey) ? kept : wrapFor(contentKey, r);
    }),
  );
  return { ...keyring, wraps: sortedByAccount(wraps) };
}

/** Validates a keyring (a JSON string, its bytes, or a parsed value). */
export function parseKeyring(input: string | Uint8Array | unknown): Keyring {
  const value = jsonValue(
    input,
    (cause) => new InvalidKeyringError("The keyring is not valid JSON.", { cause }),
  );
  const result = keyringSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidKeyringError("The keyring does not match the neuroledger.keyring/1 schema.", {
      details: z.prettifyError(result.error),
      cause: result.error,
    });
  }
  return result.data;
}

/** The keyring as JSON (stable key order, wraps sorted by account), ready to add to IPFS. */
export function serializeKeyring(keyring: Keyring): string {
  const checked = parseKeyring(keyring);
  return `${JSON.stringify(checked, null, 2)}\n`;
}
