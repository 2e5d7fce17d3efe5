import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import canonicalize from "canonicalize";
import type { Hex } from "../crypto/bytes.ts";
import { InvalidModelCardError } from "../errors.ts";
import type { ModelCard } from "./schema.ts";

/**
 * The hash the registry binds a model's card to at publish (`PublishParams.cardHash`): sha256 of
 * the card's RFC 8785 (JSON Canonicalization Scheme) serialisation, as `0x` + 64 hex digits.
 * RFC 8785 fixes key order, whitespace and number formatting, so the publisher and every reader
 * get the same bytes from the same card, whatever JSON serialiser wrote the keyring. Hash the card
 * as parsed by the schema (what `parseModelCard` and `parseKeyring` return) on both sides.
 *
 * @example
 * const args = { ...publishParams, cardHash: cardHash(card) };
 */
export function cardHash(card: ModelCard): Hex {
  const canonical = canonicalize(card);
  if (canonical === undefined) {
    throw new InvalidModelCardError("The model card cannot be serialised as canonical JSON.");
  }
  return `0x${bytesToHex(sha256(utf8ToBytes(canonical)))}`;
}
