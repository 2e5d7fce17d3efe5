import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { type Hex, toHex, tryFromHex } from "../crypto/bytes.ts";
import { InvalidCidError } from "../errors.ts";

/** The registry's `Cid` struct: a CIDv1 with a sha2-256 multihash, as digest + multicodec. */
export type ChainCid = { digest: Hex; codec: number };

const SHA2_256 = 0x12;

/**
 * The multicodecs NeuroLedger writes: a UnixFS file (the sealed model, the keyring JSON) added
 * with raw leaves is `raw` when it fits one block and `dag-pb` above it. Nothing else is ever
 * published, so anything else is refused before it reaches the registry.
 */
export const PUBLISHED_CID_CODECS = { raw: 0x55, "dag-pb": 0x70 } as const;

/** Names of multicodecs a refusal may meet (from the multicodec table), for the error message. */
const CODEC_NAMES: Record<number, string> = {
  81: "cbor",
  85: "raw",
  112: "dag-pb",
  113: "dag-cbor",
  114: "libp2p-key",
  120: "git-raw",
  297: "dag-json",
  512: "json",
  514: "car",
};

/** A multicodec code as `name (0x..)`, or just the hex code when it is not a common one. */
export function codecName(code: number): string {
  const hex = `0x${code.toString(16)}`;
  const name = CODEC_NAMES[code];
  return name ? `${name} (${hex})` : `multicodec ${hex}`;
}

/**
 * A CID (object or string) as the registry stores it. CIDv0 is converted to v1 (same dag-pb
 * codec and digest). Only sha2-256 multihashes fit the registry, and only the codecs the product
 * writes ({@link PUBLISHED_CID_CODECS}): others throw an {@link InvalidCidError} naming the codec.
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
  const codec = parsed.toV1().code;
  if (!Object.values(PUBLISHED_CID_CODECS).includes(codec as never)) {
    throw new InvalidCidError(
      `${parsed} is ${codecName(codec)}: the registry takes only what NeuroLedger writes, UnixFS as raw (0x55) or dag-pb (0x70).`,
      {
        hints: [
          "Add the file through an institution node (`neuroledger publish` does), which writes UnixFS with raw leaves.",
        ],
      },
    );
  }
  return { digest: toHex(parsed.multihash.digest), codec };
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
