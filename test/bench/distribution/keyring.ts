// Keyring cost for a consortium of N accounts: wrap the content key for all of them, and each one
// unwrapping its own wrap.
import { randomBytes } from "node:crypto";
import {
  type AccountKey,
  accountKeyFromSignature,
  buildKeyring,
  generateContentKey,
  toHex,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";

export interface KeyringRow {
  accounts: number;
  wrapAllMs: number;
  unwrapAllMs: number;
  unwrapOneMs: number;
  keyringBytes: number;
}

const DOMAIN = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

export async function benchKeyring(accounts: number): Promise<KeyringRow> {
  const members: { account: string; key: AccountKey }[] = [];
  for (let i = 0; i < accounts; i++) {
    // A random 65-byte "signature" stands in for each wallet's signature of the key message.
    const key = await accountKeyFromSignature(toHex(randomBytes(65)), DOMAIN);
    members.push({ account: toHex(randomBytes(20)), key });
  }
  const contentKey = generateContentKey();
  const t0 = performance.now();
  const keyring = await buildKeyring(
    contentKey,
    members.map((m) => ({ account: m.account, publicKey: m.key.publicKey })),
  );
  const wrapAllMs = performance.now() - t0;
  const t1 = performance.now();
  for (const m of members) {
    const key = await unwrapKeyring(keyring, m.account, m.key);
    if (toHex(key) !== toHex(contentKey)) throw new Error("an unwrap returned another key");
  }
  const unwrapAllMs = performance.now() - t1;
  return {
    accounts,
    wrapAllMs,
    unwrapAllMs,
    unwrapOneMs: unwrapAllMs / accounts,
    keyringBytes: JSON.stringify(keyring).length,
  };
}
