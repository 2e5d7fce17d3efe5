/**
 * Computes the published test vectors (sdk/test-vectors/*.json) from fixed inputs. The generator
 * script writes them; the tests recompute them and compare with the committed files, so any change
 * to the formats shows up as a diff. Another implementation can check itself against the JSON.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { privateKeyToAccount } from "viem/accounts";
import { accountKeyMessage, deriveAccountKey } from "../accountKey.ts";
import { toHex, utf8 } from "../bytes.ts";
import { encryptBytes } from "../container.ts";
import { contentKeyCommitment } from "../keyring.ts";
import { wrapContentKey } from "../wrap.ts";

const sequence = (start: number, length: number) =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

export async function containerVectors() {
  const contentKey = sequence(0x00, 32);
  const salt = sequence(0xa0, 16);
  const chunkSize = 16;
  const plaintexts = [
    new Uint8Array(0),
    utf8("NeuroLedger"),
    sequence(0x30, 16),
    sequence(0x40, 40),
  ];
  const items = [];
  for (const plaintext of plaintexts) {
    const container = await encryptBytes(contentKey, plaintext, { chunkSize, salt });
    items.push({ plaintext: toHex(plaintext), container: toHex(container) });
  }
  return {
    schema: "neuroledger.test-vectors.container/1",
    description:
      "Version-1 encrypted container (chunked AES-256-GCM). See sdk/README.md for the format.",
    contentKey: toHex(contentKey),
    salt: toHex(salt),
    chunkSize,
    items,
  };
}

export async function wrapVectors() {
  const contentKey = sequence(0x00, 32);
  const recipientSecretKey = sequence(0x60, 32);
  const ephemeralSecretKey = sequence(0x80, 32);
  const recipientPublicKey = x25519.getPublicKey(recipientSecretKey);
  const wrap = await wrapContentKey({ contentKey, recipientPublicKey, ephemeralSecretKey });
  return {
    schema: "neuroledger.test-vectors.wrap/1",
    description:
      "Version-1 key wrap (ephemeral X25519, HKDF-SHA256, AES-256-GCM) and key commitment. See sdk/README.md.",
    contentKey: toHex(contentKey),
    recipientSecretKey: toHex(recipientSecretKey),
    recipientPublicKey: toHex(recipientPublicKey),
    ephemeralSecretKey: toHex(ephemeralSecretKey),
    ephemeralPublicKey: toHex(wrap.ephemeralPublicKey),
    ciphertext: toHex(wrap.ciphertext),
    keyCommitment: await contentKeyCommitment(contentKey),
  };
}

export async function accountKeyVectors() {
  // Hardhat/anvil dev account #0: a public test key.
  const privateKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
  const account = privateKeyToAccount(privateKey);
  const domain = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
  const message = accountKeyMessage(domain);
  const signature = await account.signMessage({ message });
  const key = await deriveAccountKey(account, domain);
  return {
    schema: "neuroledger.test-vectors.account-key/1",
    description:
      "Account key = X25519 secret from HKDF-SHA256 over an EIP-191 signature of the message. See sdk/README.md.",
    privateKey,
    address: account.address,
    chainId: domain.chainId,
    registry: domain.registry,
    message,
    signature,
    secretKey: toHex(key.secretKey),
    publicKey: toHex(key.publicKey),
  };
}

export const vectorFiles = {
  "container-v1.json": containerVectors,
  "wrap-v1.json": wrapVectors,
  "account-key-v1.json": accountKeyVectors,
} as const;
