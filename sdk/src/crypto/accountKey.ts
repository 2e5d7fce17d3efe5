import { x25519 } from "@noble/curves/ed25519.js";
import { InvalidKeyError } from "../errors.ts";
import { type Hex, toHex, tryFromHex, utf8 } from "./bytes.ts";
import { hkdfSha256 } from "./webcrypto.ts";

/** An account's X25519 encryption key pair (the public key is registered on chain as bytes32). */
export type AccountKey = {
  secretKey: Uint8Array<ArrayBuffer>;
  publicKey: Uint8Array<ArrayBuffer>;
};

/** Where the key is used: the message names both, so a key never crosses chains or registries. */
export type AccountKeyDomain = {
  chainId: number;
  /** The ModelRegistry proxy address. */
  registry: string;
};

/** Anything that signs an EIP-191 personal message: a viem `LocalAccount`, or a wrapper around a wallet client. */
export type MessageSigner = {
  signMessage(parameters: { message: string }): Promise<Hex>;
};

const ACCOUNT_KEY_SALT = utf8("neuroledger/account-key/v1");

function normaliseDomain({ chainId, registry }: AccountKeyDomain): AccountKeyDomain {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new InvalidKeyError(`Invalid chain id ${chainId}.`);
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(registry)) {
    throw new InvalidKeyError(`Invalid registry address ${registry}.`, {
      hints: ["Pass the ModelRegistry proxy address (0x + 40 hex digits)."],
    });
  }
  return { chainId, registry: registry.toLowerCase() };
}

/**
 * The fixed message an account signs to derive its encryption key. It names the chain id and the
 * registry address (lower case), so the same wallet gets a different key on every deployment.
 */
export function accountKeyMessage(domain: AccountKeyDomain): string {
  const { chainId, registry } = normaliseDomain(domain);
  return [
    "NeuroLedger encryption key",
    "Version: 1",
    `Chain ID: ${chainId}`,
    `Registry: ${registry}`,
    "",
    "Signing this message derives the key that decrypts the models shared with this account.",
    "Sign it only in a NeuroLedger application. It costs nothing and sends no transaction.",
  ].join("\n");
}

/**
 * Derives the account key from a signature of {@link accountKeyMessage}:
 * secret = HKDF-SHA256(ikm = signature (65 bytes, v as 27/28), salt = "neuroledger/account-key/v1",
 * info = the message), public = X25519(secret). ECDSA signatures from RFC 6979 signers (viem, MetaMask,
 * hardware wallets) are deterministic, so the same wallet always gets the same key.
 */
export async function accountKeyFromSignature(
  signature: Hex,
  domain: AccountKeyDomain,
): Promise<AccountKey> {
  const bytes = tryFromHex(signature);
  if (bytes?.length !== 65) {
    throw new InvalidKeyError("Invalid signature: expected 65 bytes (r, s, v) as hex.", {
      details: `Got ${bytes ? `${bytes.length} bytes` : "a string that is not hex"}.`,
    });
  }
  // Some wallets report v as 0/1, others as 27/28: the key must not depend on the wallet.
  if ((bytes[64] as number) < 27) bytes[64] = (bytes[64] as number) + 27;
  const secretKey = await hkdfSha256(bytes, ACCOUNT_KEY_SALT, utf8(accountKeyMessage(domain)), 32);
  return { secretKey, publicKey: new Uint8Array(x25519.getPublicKey(secretKey)) };
}

/**
 * Asks the signer to sign {@link accountKeyMessage} and derives the account's X25519 key.
 *
 * @example
 * const key = await deriveAccountKey(privateKeyToAccount(pk), { chainId: 31337, registry });
 * // with a wallet client: deriveAccountKey({ signMessage: ({ message }) => wallet.signMessage({ account, message }) }, domain)
 */
export async function deriveAccountKey(
  signer: MessageSigner,
  domain: AccountKeyDomain,
): Promise<AccountKey> {
  const signature = await signer.signMessage({ message: accountKeyMessage(domain) });
  return accountKeyFromSignature(signature, domain);
}

/** The public key as 0x-hex (32 bytes), the form the registry stores. */
export function publicKeyHex(key: AccountKey): Hex {
  return toHex(key.publicKey);
}
