import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { descriptionHash, queueProposalCall } from "./queueProposal.ts";

describe("queueProposalCall", () => {
  it("hashes the description the way the Governor does (keccak256 of its UTF-8)", () => {
    assert.equal(
      descriptionHash(""),
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    assert.notEqual(descriptionHash("Admit Delta"), descriptionHash("Admit Delta "));
    const call = queueProposalCall({
      governor: "0x2222222222222222222222222222222222222222",
      targets: ["0x1111111111111111111111111111111111111111"],
      values: [0n],
      calldatas: ["0x1234"],
      description: "Admit Delta",
    });
    assert.equal(call.functionName, "queue");
    assert.equal(call.args[3], descriptionHash("Admit Delta"));
  });
});
