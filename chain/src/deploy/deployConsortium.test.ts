// A founder of a fresh deployment can propose at once, even on a dev node that stamps every block
// with the same second (CI failed on this: GovernorInsufficientProposerVotes right after deploy).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  describeProposal,
  encodeProposal,
  type ProposalAction,
} from "../actions/proposalActions.ts";
import { proposeCall } from "../actions/propose.ts";
import { consortiumContracts } from "../actions/types.ts";
import { devAccounts, devInstitutions } from "../dev.ts";
import { proposalDescription } from "../proposals.ts";
import { deployConsortium } from "./deployConsortium.ts";
import { openDeploySession } from "./deploySession.ts";
import { type LocalNode, startLocalNode } from "./localNode.ts";

describe("deployConsortium", { timeout: 120_000 }, () => {
  let node: LocalNode;
  before(async () => {
    node = await startLocalNode({ blockTime: 0 });
  });
  after(async () => {
    await node?.stop();
  });

  it("lets every founder propose in the next block, even when blocks share a second", async () => {
    const transport = http(node.url, { retryCount: 0 });
    const deployer = privateKeyToAccount(devAccounts.deployer.privateKey);
    const session = await openDeploySession(transport, deployer, () => {});
    // Every block gets the same timestamp: the worst case of a fast machine, made certain.
    await session.publicClient.request({
      method: "anvil_setBlockTimestampInterval" as never,
      params: [0] as never,
    });
    const deployment = await deployConsortium({ transport, deployer, dev: true });
    const contracts = consortiumContracts(deployment);
    const action: ProposalAction = {
      kind: "grant-role",
      role: "auditor",
      account: devAccounts.candidate.address,
    };
    for (const founder of devInstitutions) {
      const call = proposeCall({
        governor: contracts.governor,
        ...encodeProposal(contracts, action),
        description: proposalDescription(describeProposal(action)),
      });
      const { result } = await session.publicClient.simulateContract({
        ...call,
        account: founder.account,
      });
      assert.equal(typeof result, "bigint", `${founder.name} may propose`);
    }
  });
});
