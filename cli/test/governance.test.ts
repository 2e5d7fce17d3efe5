// Governance actions can be repeated (issue 11, kind 8): on a real chain (anvil) with the dev
// consortium's Governor + timelock, every proposal goes through vote, queue and execute (or is
// defeated), and the same action proposed again gets a new proposal.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { PUBLISHER_ROLE, parseProposalDescription } from "@neuroledger/chain";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { abis, connectChain } from "../src/chain/client.ts";
import {
  listMembers,
  type ProposalAction,
  propose,
  queueOrExecute,
  resyncRegistries,
  vote,
} from "../src/commands/member.ts";
import { exitCodeOf } from "../src/errors.ts";
import { chainService } from "../src/up/chainService.ts";
import { deployService } from "../src/up/deployService.ts";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

describe("governance actions can be repeated", { timeout: 240_000 }, () => {
  let t: TestStack;
  let parameters: { votingDelay: number; votingPeriod: number; timelockDelay: number };

  before(async () => {
    t = await startTestStack([chainService, deployService]);
    parameters = JSON.parse(readFileSync(t.stack.chain.deploymentFile, "utf8")).parameters;
  });
  after(async () => {
    await t?.stop();
  });

  const advance = async (seconds: number) => {
    const rpc = (await connectChain(await t.as("institution-a"))).publicClient;
    await rpc.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await rpc.request({ method: "evm_mine" as never, params: [] as never });
  };

  /** Proposes `action` as institution A, then A and B vote `support`; returns the id and state. */
  async function decide(action: ProposalAction, support: "for" | "against") {
    const proposal = await propose(await t.as("institution-a"), action);
    assert.equal(proposal.state, "Pending");
    await advance(parameters.votingDelay + 1);
    for (const voter of ["institution-a", "institution-b"]) {
      await vote(await t.as(voter), BigInt(proposal.proposalId), support);
    }
    await advance(parameters.votingPeriod + 1);
    return proposal;
  }

  /** The whole path of a passing proposal: propose, vote for, queue, execute. */
  async function pass(action: ProposalAction) {
    const proposal = await decide(action, "for");
    const id = BigInt(proposal.proposalId);
    assert.equal((await queueOrExecute(await t.as("institution-b"), id, "queue")).state, "Queued");
    await advance(parameters.timelockDelay + 1);
    const executed = await queueOrExecute(await t.as("institution-c"), id, "execute");
    assert.equal(executed.state, "Executed");
    return executed;
  }

  const hasPublisherRole = async (account: Address) => {
    const chain = await connectChain(await t.as("institution-a"));
    return chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "hasRole",
      args: [PUBLISHER_ROLE, account],
    });
  };
  const isMember = async (account: Address) => {
    const chain = await connectChain(await t.as("institution-a"));
    return chain.publicClient.readContract({
      address: chain.membership,
      abi: abis.membership,
      functionName: "isMember",
      args: [account],
    });
  };
  const freshAccount = () =>
    privateKeyToAccount(
      `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`,
    ).address;

  test("grant a role, revoke it, grant it again: three executed proposals", async () => {
    const trainer = freshAccount();
    const grant = { kind: "grant-role", role: "publisher", account: trainer } as const;
    const first = await pass(grant);
    assert.equal(await hasPublisherRole(trainer), true);
    await pass({ ...grant, kind: "revoke-role" });
    assert.equal(await hasPublisherRole(trainer), false);
    const again = await pass(grant);
    assert.equal(await hasPublisherRole(trainer), true);
    assert.notEqual(again.proposalId, first.proposalId, "a new proposal, not the executed one");
    // Same readable title; the description differs only by its time + ref line.
    const [a, b] = [first, again].map((p) => parseProposalDescription(p.description));
    assert.equal(a?.title, `Grant publisher role to ${trainer}`);
    assert.equal(b?.title, a?.title);
    assert.match(b?.ref ?? "", /^[0-9a-f]{16}$/);
    assert.notEqual(b?.ref, a?.ref);
  });

  test("the same action proposed twice while the first is still pending: two proposals", async () => {
    const action = { kind: "grant-role", role: "auditor", account: freshAccount() } as const;
    const one = await propose(await t.as("institution-a"), action);
    const two = await propose(await t.as("institution-b"), action);
    assert.notEqual(one.proposalId, two.proposalId);
    const { proposals } = await listMembers(await t.as("staff"));
    // Both open. The dev voting delay is 1 s and a block comes every second, so on a slow machine
    // the first may already be Active when the list is read (as in the dApp's e2e).
    for (const p of [one, two]) {
      const listed = proposals.find((q) => q.proposalId === p.proposalId);
      assert.ok(listed, `proposal ${p.proposalId} is listed`);
      assert.ok(["Pending", "Active"].includes(listed.state), `state ${listed.state}`);
    }
  });

  test("re-admit a removed institution", async () => {
    const account = freshAccount();
    const admit = { kind: "admit", account, name: "Echo Hospital" } as const;
    await pass(admit);
    assert.equal(await isMember(account), true);
    const { members } = await listMembers(await t.as("staff"));
    const admitted = members.find((m) => m.account === account && m.member);
    assert.ok(admitted, "listed as a member");
    await pass({ kind: "remove", institutionId: BigInt(admitted.institutionId) });
    assert.equal(await isMember(account), false);
    await pass(admit);
    assert.equal(await isMember(account), true, "admitted again");
    // The directory relayed both: `member resync` finds the removal and nothing stale to undo.
    const resynced = await resyncRegistries(await t.as("outsider"));
    assert.ok(resynced.removalsChecked >= 1, JSON.stringify(resynced));
    assert.equal(resynced.removalsUndone, 0);
    assert.match(resynced.transaction, /^0x[0-9a-f]{64}$/);
  });

  test("retry a defeated admission", async () => {
    const account = freshAccount();
    const admit = { kind: "admit", account, name: "Foxtrot Clinic" } as const;
    const defeated = await decide(admit, "against");
    const { proposals } = await listMembers(await t.as("staff"));
    assert.equal(proposals.find((p) => p.proposalId === defeated.proposalId)?.state, "Defeated");
    const retried = await pass(admit);
    assert.notEqual(retried.proposalId, defeated.proposalId);
    assert.equal(await isMember(account), true);
  });

  test("staff cannot propose or vote, and are told who can", async () => {
    await assert.rejects(
      propose(await t.as("staff"), {
        kind: "grant-role",
        role: "auditor",
        account: freshAccount(),
      }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /GovernorInsufficientProposerVotes/);
        assert.match(err.message, /Only a member institution's account .* may propose/);
        return true;
      },
    );
    const proposal = await propose(await t.as("institution-a"), {
      kind: "grant-role",
      role: "guardian",
      account: freshAccount(),
    });
    await advance(parameters.votingDelay + 1);
    await assert.rejects(
      vote(await t.as("staff"), BigInt(proposal.proposalId), "for"),
      (err: Error & { exitCode?: number }) => {
        assert.match(
          err.message,
          /had no vote when proposal \d+ opened: only member institutions' own accounts vote/,
        );
        assert.equal(exitCodeOf(err), 4);
        return true;
      },
    );
    const chain = await connectChain(await t.as("staff"));
    const voted = await chain.publicClient.readContract({
      address: chain.governor,
      abi: abis.governor,
      functionName: "hasVoted",
      args: [BigInt(proposal.proposalId), chain.account?.address as Address],
    });
    assert.equal(voted, false, "no zero-weight vote was cast");
  });
});
