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
export const PUBLISHED_CID_CODECS: readonly number[] = [0x55, 0x70];

/** Names of multicodecs a refusal may meet (from the multicodec table), for the error message. */
const CODEC_NAMES = new Map<number, string>([
  [0x51, "cbor"],
  [0x55, "raw"],
  [0x70, "dag-pb"],
  [0x71, "dag-cbor"],
  [0x72, "libp2p-key"],
  [0x78, "git-raw"],
  [0x0129, "dag-json"],
  [0x0200, "json"],
  [0x0202, "car"],
]);

/** A multicodec code as `name (0x..)`, or just the hex code when it is not a common one. */
export function codecName(code: number): string {
  const hex = `0x${code.toString(16)}`;
  const name = CODEC_NAMES.get(code);
  return name ? `${name} (${hex})` : `multicodec ${hex}`;
}

/**
 * A CID (object or string) as the registry stores it. CIDv0 is converted to v1 (same dag-pb
 * codec and digest). Only sha2-256 multihashes fit the registry, and only the codecs the product
 * writes (raw and dag-pb): others throw an {@link InvalidCidError} naming the codec.
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
  if (!PUBLISHED_CID_CODECS.includes(codec)) {
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
