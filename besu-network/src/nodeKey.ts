import { type Address, type Hex, isHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { InvalidInputError } from "./errors.ts";

/** A node's secp256k1 identity: its key signs P2P handshakes and, for validators, blocks. */
export type NodeKey = {
  /** 32-byte private key, 0x-prefixed (the content of Besu's `key` file). */
  privateKey: Hex;
  /** 64-byte uncompressed public key without the 0x04 prefix: the enode id. */
  enodeId: string;
  /** Account address of the key: the validator address in QBFT. */
  address: Address;
};

/** Creates a fresh node key from the operating system's random source. */
export function createNodeKey(): NodeKey {
  return nodeKeyFromPrivateKey(generatePrivateKey());
}

/** Derives the enode id and address of an existing private key (e.g. a Besu `key` file). */
export function nodeKeyFromPrivateKey(privateKey: string): NodeKey {
  const normalized = (
    privateKey.trim().startsWith("0x") ? privateKey.trim() : `0x${privateKey.trim()}`
  ).toLowerCase();
  if (!isHex(normalized) || normalized.length !== 66) {
    throw new InvalidInputError("A node key must be 32 bytes of hex", {
      hint: "Besu's key file holds one line: 64 hex digits, optionally 0x-prefixed.",
    });
  }
  const account = privateKeyToAccount(normalized as Hex);
  // viem returns the uncompressed SEC1 key, 0x04 || X || Y; the enode id is X || Y.
  return {
    privateKey: normalized as Hex,
    enodeId: account.publicKey.slice(4),
    address: account.address,
  };
}
