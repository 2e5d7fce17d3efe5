import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { castVoteCall } from "./castVote.ts";

const governor = "0x2222222222222222222222222222222222222222";

describe("castVoteCall", () => {
  it("votes with the Governor's support codes (against 0, for 1, abstain 2)", () => {
    assert.deepEqual(castVoteCall({ governor, proposalId: 5n, support: "for" }).args, [5n, 1]);
    assert.deepEqual(castVoteCall({ governor, proposalId: 5n, support: "against" }).args, [5n, 0]);
    assert.deepEqual(castVoteCall({ governor, proposalId: 5n, support: "abstain" }).args, [5n, 2]);
    assert.equal(castVoteCall({ governor, proposalId: 5n, support: "for" }).address, governor);
  });
});
