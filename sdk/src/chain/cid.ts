import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { type Hex, toHex, tryFromHex } from "../crypto/bytes.ts";
import { InvalidCidError } from "../errors.ts";

/** The registry's `Cid` struct: a CIDv1 with a sha2-256 multihash, as digest + multicodec. */
export type ChainCid = { digest: Hex; codec: number };

const SHA2_256 = 0x12;

/**
 * A CID (object or string) as the registry stores it. CIDv0 is converted to v1 (same dag-pb
 * codec and digest). Only sha2-256 multihashes fit the registry.
 *
 * @example
 * await registry.write.publish([{ content: cidToChain(contentCid), ... }])
 */
export function cidToChain(cid: CID | string): ChainCid {
  let parsed: CID;
  try {
    parsed = CID.asCID(cid) ?? CID.parse(String(cid));
  } catch (cause) {
    throw new InvalidCidError(`Not a CID: ${String(cid)}.`, { cause });
  }
  if (parsed.multihash.code !== SHA2_256) {
    throw new InvalidCidError(
      `The registry stores sha2-256 CIDs only; ${parsed} uses multihash 0x${parsed.multihash.code.toString(16)}.`,
    );
  }
  return { digest: toHex(parsed.multihash.digest), codec: parsed.toV1().code };
}

/** The CIDv1 (base32 when printed) for a registry `Cid` struct. */
export function cidFromChain(cid: { digest: string; codec: number | bigint }): CID {
  const digest = tryFromHex(cid.digest);
  if (digest?.length !== 32)
    throw new InvalidCidError(`A registry CID digest must be 32 bytes, got ${cid.digest}.`);
  const codec = Number(cid.codec);
  if (!Number.isSafeInteger(codec) || codec <= 0)
    throw new InvalidCidError(`Invalid multicodec ${cid.codec}.`);
  return CID.createV1(codec, createDigest(SHA2_256, digest));
}
