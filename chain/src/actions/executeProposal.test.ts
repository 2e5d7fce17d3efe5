import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { executeProposalCall } from "./executeProposal.ts";
import { descriptionHash } from "./queueProposal.ts";

describe("executeProposalCall", () => {
  it("executes the proposal's own calls with its description hash", () => {
    const call = executeProposalCall({
      governor: "0x2222222222222222222222222222222222222222",
      targets: ["0x1111111111111111111111111111111111111111"],
      values: [0n],
      calldatas: ["0x1234"],
      description: "Remove institution 3",
    });
    assert.equal(call.functionName, "execute");
    assert.deepEqual(call.args, [
      ["0x1111111111111111111111111111111111111111"],
      [0n],
      ["0x1234"],
      descriptionHash("Remove institution 3"),
    ]);
  });
});
