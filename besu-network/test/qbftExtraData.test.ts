import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, toRlp } from "viem";
import { InvalidInputError } from "../src/errors.ts";
import { decodeQbftExtraData, encodeQbftExtraData } from "../src/qbftExtraData.ts";

// The four validators and the extraData of the example in Besu's QBFT documentation
// ("Extra data", output of `besu rlp encode --type=QBFT_EXTRA_DATA`).
const DOC_VALIDATORS: Address[] = [
  "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
  "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
  "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
  "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
];
const DOC_EXTRA_DATA =
  "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0";
const VANITY = `0x${"00".repeat(32)}` as const;

describe("QBFT extraData", () => {
  it("encodes the validators exactly as besu rlp encode does in Besu's docs", () => {
    assert.equal(encodeQbftExtraData(DOC_VALIDATORS), DOC_EXTRA_DATA);
  });

  it("decodes Besu's example back to its four validators", () => {
    const decoded = decodeQbftExtraData(DOC_EXTRA_DATA);
    assert.equal(decoded.vanity, VANITY);
    assert.deepEqual(
      decoded.validators.map((v) => v.toLowerCase()),
      DOC_VALIDATORS,
    );
  });

  it("rejects an extraData that carries seals", () => {
    const sealed = toRlp([VANITY, DOC_VALIDATORS, [], "0x", [`0x${"11".repeat(65)}`]]);
    assert.throws(() => decodeQbftExtraData(sealed), /no seals/);
  });

  it("rejects a non-zero round and a short vanity", () => {
    assert.throws(
      () => decodeQbftExtraData(toRlp([VANITY, DOC_VALIDATORS, [], "0x01", []])),
      /round must be 0/,
    );
    assert.throws(
      () => decodeQbftExtraData(toRlp(["0x00", DOC_VALIDATORS, [], "0x", []])),
      /32 bytes/,
    );
  });

  it("rejects bytes that are not RLP, and an empty validator set", () => {
    assert.throws(() => decodeQbftExtraData("0xf8"), InvalidInputError);
    assert.throws(() => encodeQbftExtraData([]), /at least one validator/);
  });
});
