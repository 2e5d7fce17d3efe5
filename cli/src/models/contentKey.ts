import type { Hex } from "viem";

const INFO_KEY = new TextEncoder().encode("neuroledger/cli/publish/content-key/v1");
const INFO_SALT = new TextEncoder().encode("neuroledger/cli/publish/container-salt/v1");

/**
 * The content key and container salt of a model version, derived (HKDF-SHA256, WebCrypto) from the
 * publisher's X25519 secret and the model's sha256. Fresh per model version (the sha256 differs)
 * and unknowable without the publisher's wallet; the same on a re-run, so a publish killed after
 * the IPFS add re-adds identical blocks (same CID) instead of leaving a second copy.
 */
export async function deriveContentKey(
  publisherSecret: Uint8Array,
  sha256: Hex,
): Promise<{ contentKey: Uint8Array<ArrayBuffer>; salt: Uint8Array<ArrayBuffer> }> {
  const ikm = await crypto.subtle.importKey("raw", new Uint8Array(publisherSecret), "HKDF", false, [
    "deriveBits",
  ]);
  const salt = hexBytes(sha256);
  const derive = async (info: Uint8Array<ArrayBuffer>, bytes: number) =>
    new Uint8Array(
      await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, ikm, bytes * 8),
    );
  return { contentKey: await derive(INFO_KEY, 32), salt: await derive(INFO_SALT, 16) };
}

function hexBytes(hex: Hex): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}
