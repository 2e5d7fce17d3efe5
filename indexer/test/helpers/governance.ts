import { consortiumGovernorAbi, writeContractWithGasRoom } from "@neuroledger/chain";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  type TransactionReceipt,
  toBytes,
} from "viem";
import type { LocalChain } from "./chain.ts";
import { dev } from "./devAccounts.ts";

export type DevAccount = (typeof dev)[keyof typeof dev];

/** Sends one contract call from a dev account and waits for it; throws when it reverted. */
export async function send(
  c: LocalChain,
  from: DevAccount,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<TransactionReceipt> {
  const hash = await writeContractWithGasRoom(c.publicClient, c.wallet(from), {
    address,
    abi,
    functionName,
    args,
    account: from,
  });
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success")
    throw new Error(`${functionName} from ${from.address} reverted`);
  return receipt;
}

/** Moves the dev node's clock on by `seconds` and mines a block. */
export async function advance(c: LocalChain, seconds: number) {
  await c.testClient.increaseTime({ seconds });
  await c.testClient.mine({ blocks: 1 });
}

export type ProposedCall = { target: Address; abi: Abi; fn: string; args: readonly unknown[] };
export type CastVote = { voter: DevAccount; support: number; reason?: string };

/** The dev consortium's usual vote: A and B for, C against with a reason. */
export const DEFAULT_VOTES: readonly CastVote[] = [
  { voter: dev.institutionA, support: 1 },
  { voter: dev.institutionB, support: 1 },
  { voter: dev.institutionC, support: 0, reason: "needs more review" },
];

/**
 * Proposes `calls` as institution A, casts `votes`, queues and executes (the dev node's clock is
 * moved past the voting delay, the voting period and the timelock delay).
 * @returns the proposal id
 * @throws when a step reverts
 */
export async function passProposal(
  c: LocalChain,
  governor: Address,
  calls: readonly ProposedCall[],
  description: string,
  votes: readonly CastVote[] = DEFAULT_VOTES,
): Promise<bigint> {
  const read = (functionName: "votingDelay" | "votingPeriod") =>
    c.publicClient.readContract({ address: governor, abi: consortiumGovernorAbi, functionName });
  const [votingDelay, votingPeriod] = await Promise.all([
    read("votingDelay"),
    read("votingPeriod"),
  ]);
  const gov = (fn: string, args: readonly unknown[], from: DevAccount = dev.institutionA) =>
    send(c, from, governor, consortiumGovernorAbi as Abi, fn, args);
  const targets = calls.map((x) => x.target);
  const values = calls.map(() => 0n);
  const calldatas = calls.map((x) =>
    encodeFunctionData({ abi: x.abi, functionName: x.fn, args: x.args } as never),
  );
  // Votes count from the second after they were minted (the clock is the block timestamp).
  await advance(c, 2);
  const proposed = await gov("propose", [targets, values, calldatas, description]);
  const [created] = parseEventLogs({
    abi: consortiumGovernorAbi,
    logs: proposed.logs,
    eventName: "ProposalCreated",
  });
  if (!created) throw new Error("propose emitted no ProposalCreated");
  const id = created.args.proposalId;
  await advance(c, Number(votingDelay) + 1);
  for (const v of votes) {
    if (v.reason === undefined) await gov("castVote", [id, v.support], v.voter);
    else await gov("castVoteWithReason", [id, v.support, v.reason], v.voter);
  }
  await advance(c, Number(votingPeriod) + 1);
  const descriptionHash = keccak256(toBytes(description));
  const queued = await gov("queue", [targets, values, calldatas, descriptionHash]);
  const [q] = parseEventLogs({
    abi: consortiumGovernorAbi,
    logs: queued.logs,
    eventName: "ProposalQueued",
  });
  if (!q) throw new Error("queue emitted no ProposalQueued");
  const now = Number((await c.publicClient.getBlock()).timestamp);
  await advance(c, Math.max(1, Number(q.args.etaSeconds) - now + 1));
  await gov("execute", [targets, values, calldatas, descriptionHash]);
  return id;
}
