// A whole proposal through the call builders on a real chain: propose, vote, queue, execute,
// with getProposal's state at each step and the action's effect at the end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DevAccountName, devAccounts } from "../dev.ts";
import { proposalDescription } from "../proposals.ts";
import { castVoteCall } from "./castVote.ts";
import { executeProposalCall } from "./executeProposal.ts";
import { getAccountRoles } from "./getAccountRoles.ts";
import { getProposal } from "./getProposal.ts";
import { describeProposal, encodeProposal, type ProposalAction } from "./proposalActions.ts";
import { proposeCall } from "./propose.ts";
import { queueProposalCall } from "./queueProposal.ts";
import { consortium } from "./testing.ts";
import type { ContractCall } from "./types.ts";

describe("proposeCall, castVoteCall, queueProposalCall, executeProposalCall", () => {
  it("carry a role grant from proposal to execution", async () => {
    const ctx = await consortium();
    const { client, contracts, deployment, fromBlock, time } = ctx;
    const governor = contracts.governor;
    const send = (who: DevAccountName, call: ContractCall) =>
      ctx.send(who, call.address, call.abi, call.functionName, [...(call.args ?? [])]);
    const account = devAccounts.candidate.address;
    const action: ProposalAction = { kind: "grant-role", role: "guardian", account };
    const description = proposalDescription(describeProposal(action));
    const calls = { governor, ...encodeProposal(contracts, action), description };

    await time.increase(1); // votes are checkpointed by timestamp
    const receipt = await send("institutionA", proposeCall(calls));
    assert.equal(receipt.status, "success");
    const [created] = await import("viem").then(({ parseEventLogs }) =>
      parseEventLogs({
        abi: proposeCall(calls).abi,
        logs: receipt.logs,
        eventName: "ProposalCreated",
      }),
    );
    const proposalId = created?.args.proposalId ?? 0n;
    const state = async () =>
      (
        await getProposal(client, {
          governor,
          proposalId,
          fromBlock,
          voter: devAccounts.institutionA.address,
        })
      )?.state;
    assert.equal(await state(), "Pending");

    await time.increase(deployment.parameters.votingDelay + 1);
    await send("institutionA", castVoteCall({ governor, proposalId, support: "for" }));
    await send("institutionB", castVoteCall({ governor, proposalId, support: "for" }));
    const voting = await getProposal(client, {
      governor,
      proposalId,
      fromBlock,
      voter: devAccounts.institutionA.address,
    });
    assert.equal(voting?.state, "Active");
    assert.equal(voting?.votes.for, 2n);
    assert.equal(voting?.hasVoted, true);
    assert.equal(voting?.description, description);

    await time.increase(deployment.parameters.votingPeriod + 1);
    assert.equal(await state(), "Succeeded");
    await send("institutionC", queueProposalCall(calls));
    assert.equal(await state(), "Queued");
    await time.increase(deployment.parameters.timelockDelay + 1);
    await send("institutionC", executeProposalCall(calls));
    assert.equal(await state(), "Executed");
    const roles = await getAccountRoles(client, { registry: contracts.registry, account });
    assert.equal(roles.guardian, true);
  });
});
