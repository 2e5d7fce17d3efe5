import { type Address, fromRlp, getAddress, type Hex, isAddress, toRlp } from "viem";
import { z } from "zod";
import { InvalidInputError } from "./errors.ts";

const VANITY: Hex = `0x${"00".repeat(32)}`;

/**
 * Encodes the `extraData` of a QBFT genesis block that uses block-header validator selection:
 * `RLP([32-byte vanity, [validators...], no vote, round 0, no seals])` (Besu docs, "Extra data").
 * A vote in QBFT is an optional list, so "no vote" is the empty list; the round is the integer 0,
 * which RLP writes as the empty string. Validators are encoded in the order given.
 */
export function encodeQbftExtraData(validators: readonly Address[]): Hex {
  if (validators.length === 0) {
    throw new InvalidInputError("A QBFT network needs at least one validator");
  }
  for (const validator of validators) {
    if (!isAddress(validator, { strict: false })) {
      throw new InvalidInputError(`Not a validator address: ${validator}`);
    }
  }
  return toRlp([VANITY, validators.map((v) => v.toLowerCase() as Hex), [], "0x", []]);
}

const bytes = (length: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-f]{${length * 2}}$`), `expected ${length} bytes`);

const decodedExtraData = z.tuple([
  bytes(32),
  z.array(bytes(20)),
  z.array(z.unknown()).max(0, "the genesis block carries no vote"),
  z.literal("0x", { error: "the genesis round must be 0" }),
  z.array(z.unknown()).max(0, "the genesis block carries no seals"),
]);

/** What a QBFT genesis `extraData` holds. */
export type QbftExtraData = { vanity: Hex; validators: Address[] };

/** Decodes and checks a QBFT genesis `extraData`; the inverse of {@link encodeQbftExtraData}. */
export function decodeQbftExtraData(extraData: Hex): QbftExtraData {
  let decoded: unknown;
  try {
    decoded = fromRlp(extraData, "hex");
  } catch (cause) {
    throw new InvalidInputError("extraData is not valid RLP", { cause });
  }
  const parsed = decodedExtraData.safeParse(decoded);
  if (!parsed.success) {
    throw new InvalidInputError(
      `extraData is not a QBFT genesis extraData: ${z.prettifyError(parsed.error)}`,
    );
  }
  const [vanity, validators] = parsed.data;
  return { vanity: vanity as Hex, validators: validators.map((v) => getAddress(v)) };
}
