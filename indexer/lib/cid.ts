import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";

const SHA2_256 = 0x12;

/**
 * The registry stores a CID packed as its sha2-256 digest and multicodec; this is the CIDv1
 * string (base32) that IPFS tools and gateways take. Empty (all-zero digest) gives "".
 */
export function cidToString(packed: { digest: `0x${string}`; codec: number }): string {
  if (/^0x0*$/.test(packed.digest)) return "";
  const digest = createDigest(SHA2_256, Buffer.from(packed.digest.slice(2), "hex"));
  return CID.createV1(packed.codec, digest).toString();
}
