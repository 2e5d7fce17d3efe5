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
import { sha256Hex } from "../sha256Stream.ts";
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

/**
 * Cases for the one decrypt-and-verify path (`decryptVerified`): a container, the key, the sha256
 * the chain records, and what must happen: the plaintext, or the name of the error (and then
 * nothing handed out). chunkSize 32, a 100-byte model: 4 sealed chunks.
 */
export async function decryptVerifiedVectors() {
  const contentKey = sequence(0x00, 32);
  const salt = sequence(0xa0, 16);
  const chunkSize = 32;
  const sealedChunk = chunkSize + 16;
  const header = 32;
  const model = sequence(0x10, 100);
  const sha = sha256Hex(model);
  const container = await encryptBytes(contentKey, model, { chunkSize, salt });
  const flip = (at: number) => {
    const copy = container.slice();
    copy[at] = (copy[at] as number) ^ 0x01;
    return copy;
  };
  const chunk = (i: number) =>
    container.subarray(header + i * sealedChunk, header + (i + 1) * sealedChunk);
  const reordered = new Uint8Array(container);
  reordered.set(chunk(1), header);
  reordered.set(chunk(0), header + sealedChunk);
  const ok = { plaintext: toHex(model) };
  type Case = {
    name: string;
    container: Uint8Array;
    contentKey?: Uint8Array;
    expectedSha256?: string;
    plaintext?: string;
    error?: string;
  };
  const cases: Case[] = [
    { name: "authentic, sha256 as the chain records it", container, expectedSha256: sha, ...ok },
    {
      name: "authentic, sha256 without 0x in upper case",
      container,
      expectedSha256: sha.slice(2).toUpperCase(),
      ...ok,
    },
    {
      name: "authentic, but another model's sha256",
      container,
      expectedSha256: sha256Hex(utf8("another model")),
      error: "IntegrityError",
    },
    {
      name: "one byte of the first chunk flipped",
      container: flip(header + 3),
      error: "DecryptionFailedError",
    },
    {
      name: "one byte of the last chunk's tag flipped",
      container: flip(container.length - 1),
      error: "DecryptionFailedError",
    },
    { name: "one header byte (salt) flipped", container: flip(20), error: "DecryptionFailedError" },
    { name: "chunks 0 and 1 swapped", container: reordered, error: "DecryptionFailedError" },
    {
      name: "truncated: the last chunk dropped",
      container: container.subarray(0, header + 3 * sealedChunk),
      error: "DecryptionFailedError",
    },
    {
      name: "extended: one byte appended",
      container: Uint8Array.from([...container, 0]),
      error: "DecryptionFailedError",
    },
    {
      name: "only the header",
      container: container.subarray(0, header),
      error: "DecryptionFailedError",
    },
    { name: "bad magic", container: flip(0), error: "InvalidContainerError" },
    { name: "empty", container: new Uint8Array(0), error: "InvalidContainerError" },
    {
      name: "another content key",
      container,
      contentKey: sequence(0x01, 32),
      error: "DecryptionFailedError",
    },
  ];
  return {
    schema: "neuroledger.test-vectors.decrypt-verified/1",
    description:
      "decryptVerified: a model is handed out only when every chunk authenticates and its sha256 equals the chain's; otherwise the named error and nothing. See sdk/README.md.",
    contentKey: toHex(contentKey),
    // No undefined fields: the committed JSON is compared with this object as is.
    cases: cases.map((c) => ({
      name: c.name,
      ...(c.contentKey ? { contentKey: toHex(c.contentKey) } : {}),
      container: toHex(c.container),
      expectedSha256: c.expectedSha256 ?? sha,
      ...(c.plaintext ? { plaintext: c.plaintext } : { error: c.error }),
    })),
  };
}

export const vectorFiles = {
  "decrypt-verified-v1.json": decryptVerifiedVectors,
  "container-v1.json": containerVectors,
  "wrap-v1.json": wrapVectors,
  "account-key-v1.json": accountKeyVectors,
} as const;
