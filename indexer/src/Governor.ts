import { ponder } from "ponder:registry";
import { proposal, vote } from "ponder:schema";
import { governorAbi, timelockAbi } from "../lib/contracts.ts";
import { logOtherEvents } from "../lib/eventLog.ts";

ponder.on("Governor:ProposalCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proposal).values({
    id: a.proposalId,
    proposer: a.proposer,
    description: a.description,
    targets: [...a.targets],
    values: a.values.map(String),
    calldatas: [...a.calldatas],
    voteStart: a.voteStart,
    voteEnd: a.voteEnd,
    state: "created",
    forVotes: 0n,
    againstVotes: 0n,
    abstainVotes: 0n,
    createdBlock: event.block.number,
    createdTx: event.transaction.hash,
    createdAt: event.block.timestamp,
  });
});

async function castVote(
  event: {
    id: string;
    args: {
      voter: `0x${string}`;
      proposalId: bigint;
      support: number;
      weight: bigint;
      reason: string;
    };
    block: { number: bigint; timestamp: bigint };
    log: { logIndex: number; address: `0x${string}` };
    transaction: { hash: `0x${string}` };
  },
  context: Parameters<Parameters<typeof ponder.on<"Governor:VoteCast">>[1]>[0]["context"],
) {
  const { voter, proposalId, support, weight, reason } = event.args;
  await context.db.insert(vote).values({
    id: event.id,
    proposalId,
    voter,
    support,
    weight,
    reason,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    txHash: event.transaction.hash,
    timestamp: event.block.timestamp,
  });
  const row = await context.db.find(proposal, { id: proposalId });
  if (!row) return;
  // The quorum is fixed at the proposal's snapshot, which is past once anyone can vote.
  const quorum =
    row.quorum ??
    (await context.client.readContract({
      abi: governorAbi,
      address: event.log.address,
      functionName: "quorum",
      args: [row.voteStart],
    }));
  await context.db.update(proposal, { id: proposalId }).set({
    quorum,
    forVotes: row.forVotes + (support === 1 ? weight : 0n),
    againstVotes: row.againstVotes + (support === 0 ? weight : 0n),
    abstainVotes: row.abstainVotes + (support === 2 ? weight : 0n),
  });
}

ponder.on("Governor:VoteCast", async ({ event, context }) => castVote(event, context));
ponder.on("Governor:VoteCastWithParams", async ({ event, context }) =>
  castVote(event, context as never),
);

ponder.on("Governor:ProposalQueued", async ({ event, context }) => {
  await context.db
    .update(proposal, { id: event.args.proposalId })
    .set({ state: "queued", eta: event.args.etaSeconds, queuedTx: event.transaction.hash });
});

ponder.on("Governor:ProposalExecuted", async ({ event, context }) => {
  await context.db
    .update(proposal, { id: event.args.proposalId })
    .set({ state: "executed", executedTx: event.transaction.hash });
});

ponder.on("Governor:ProposalCanceled", async ({ event, context }) => {
  await context.db
    .update(proposal, { id: event.args.proposalId })
    .set({ state: "canceled", canceledTx: event.transaction.hash });
});

logOtherEvents(
  "Governor",
  governorAbi,
  new Set([
    "ProposalCreated",
    "VoteCast",
    "VoteCastWithParams",
    "ProposalQueued",
    "ProposalExecuted",
    "ProposalCanceled",
  ]),
);

// The timelock's operations mirror the Governor's queue/execute; they are logged as they are.
logOtherEvents("Timelock", timelockAbi, new Set());
