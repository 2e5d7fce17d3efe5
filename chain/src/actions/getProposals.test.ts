import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { proposalDescription } from "../proposals.ts";
import { getProposal } from "./getProposal.ts";
import { getProposals } from "./getProposals.ts";
import { describeProposal, encodeProposal } from "./proposalActions.ts";
import { proposeCall } from "./propose.ts";
import { consortium } from "./testing.ts";

describe("getProposals and getProposal", () => {
  it("list proposals newest first with their calls, and find one by id", async () => {
    const ctx = await consortium();
    const { client, contracts, fromBlock } = ctx;
    const governor = contracts.governor;
    const titles: string[] = [];
    for (const institutionId of [3n, 2n]) {
      const action = { kind: "remove", institutionId } as const;
      titles.push(describeProposal(action));
      const call = proposeCall({
        governor,
        ...encodeProposal(contracts, action),
        description: proposalDescription(describeProposal(action)),
      });
      await ctx.time.increase(1);
      await ctx.send("institutionB", call.address, call.abi, call.functionName, [...call.args]);
    }
    const all = await getProposals(client, {
      governor,
      fromBlock,
      voter: devAccounts.institutionB.address,
    });
    const ours = all.filter((p) => titles.some((t) => p.description.startsWith(t)));
    assert.deepEqual(
      ours.map((p) => p.description.split("\n")[0]),
      [...titles].reverse(),
    );
    const [newest] = ours;
    assert.equal(newest?.state, "Pending");
    assert.equal(newest?.proposer, devAccounts.institutionB.address);
    assert.equal(newest?.hasVoted, false);
    assert.deepEqual(newest?.targets, [contracts.membership]);
    const one = await getProposal(client, { governor, proposalId: newest?.id ?? 0n, fromBlock });
    assert.equal(one?.id, newest?.id);
    assert.equal(one?.hasVoted, null);
    assert.equal(await getProposal(client, { governor, proposalId: 12345n, fromBlock }), undefined);
  });
});
