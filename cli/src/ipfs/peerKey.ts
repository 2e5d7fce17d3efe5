import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";

/**
 * The node's libp2p identity, kept in its own file (protobuf, mode 0600) so that whoever sets
 * nodes up (`up`) can create every institution's key first and give each node the others' peer
 * ids as its allowlist before any of them starts.
 */
export async function loadOrCreatePeerKey(file: string): Promise<PrivateKey> {
  try {
    return privateKeyFromProtobuf(new Uint8Array(await readFile(file)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`the peer key file ${file} cannot be read: ${(err as Error).message}`);
    }
  }
  const key = await generateKeyPair("Ed25519");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, privateKeyToProtobuf(key), { mode: 0o600 });
  await chmod(`${file}.tmp`, 0o600);
  await rename(`${file}.tmp`, file);
  return key;
}

/** The peer id (`12D3...`) of a peer key. */
export function peerIdOf(key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}
