import { type ProposalState, proposalDescription, taskDirectoryAbi } from "@neuroledger/chain";
import {
  castVoteCall,
  describeProposal,
  type EncodedProposal,
  encodeProposal,
  executeProposalCall,
  GOVERNED_ROLES,
  type GovernedRole,
  getProposal,
  getProposals,
  getRemovals,
  isMember,
  type Proposal,
  type ProposalAction,
  proposeCall,
  queueProposalCall,
  resyncCall,
  type VoteSupport,
} from "@neuroledger/chain/actions";
import { type Address, isAddress, parseEventLogs } from "viem";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import type { Connection } from "../config.ts";
import { InvalidInputError, RefusedError } from "../errors.ts";

/** Registry roles governance grants, by short name (the chain package's vocabulary). */
export const ROLES = GOVERNED_ROLES;
export type RoleName = GovernedRole;
export type { ProposalAction };

interface ProposalCall extends EncodedProposal {
  description: string;
}

/**
 * The governor call an action becomes (`encodeProposal` of @neuroledger/chain/actions), and a
 * description that no earlier proposal has (`proposalDescription` adds a time and a random ref to
 * `describeProposal`'s title), so the same action can be proposed again after it was executed,
 * defeated or undone.
 */
export function proposalCall(chain: ChainClient, action: ProposalAction): ProposalCall {
  return {
    ...encodeProposal(chain, action),
    description: proposalDescription(describeProposal(action)),
  };
}

export function parseAddress(value: string, what = "account"): Address {
  if (!isAddress(value)) throw new InvalidInputError(`${what} ${value} is not an address`);
  return value;
}

export interface ProposalInfo {
  proposalId: string;
  state: ProposalState;
  description: string;
  proposer: Address;
  voteStart: string;
  voteEnd: string;
}

/** `neuroledger member propose ...`: submits a proposal (the signer must hold a membership vote). */
export async function propose(
  connection: Connection,
  action: ProposalAction,
): Promise<ProposalInfo> {
  const chain = await connectChain(connection);
  const call = proposalCall(chain, action);
  const { hash, logs } = await chain.write(proposeCall({ governor: chain.governor, ...call }));
  // The id comes from the ProposalCreated event this transaction emitted, not from a re-hash.
  const [created] = parseEventLogs({
    abi: abis.governor,
    eventName: "ProposalCreated",
    logs,
    strict: true,
  });
  if (!created) throw new Error(`propose tx ${hash} emitted no ProposalCreated event`);
  return proposalInfo(chain, created.args.proposalId);
}

/** `neuroledger member vote <id> for|against|abstain`. */
export async function vote(connection: Connection, proposalId: bigint, support: VoteSupport) {
  const chain = await connectChain(connection);
  await checkVoter(chain, proposalId);
  await chain.write(castVoteCall({ governor: chain.governor, proposalId, support }));
  return proposalInfo(chain, proposalId);
}

/**
 * The Governor counts a vote of an account without voting power as zero, silently: refuse it
 * instead, naming who votes (one membership token per member institution, self-delegated).
 */
async function checkVoter(chain: ChainClient, proposalId: bigint): Promise<void> {
  const voter = chain.account?.address;
  if (!voter) return; // the write below says an account is needed
  const snapshot = await chain.publicClient
    .readContract({
      address: chain.governor,
      abi: abis.governor,
      functionName: "proposalSnapshot",
      args: [proposalId],
    })
    .catch(() => 0n);
  // Unknown proposal (snapshot 0) or voting not open yet: the governor's own error says which.
  if (snapshot === 0n) return;
  const clock = await chain.publicClient.readContract({
    address: chain.governor,
    abi: abis.governor,
    functionName: "clock",
  });
  if (BigInt(clock) <= snapshot) return;
  const votes = await chain.publicClient.readContract({
    address: chain.governor,
    abi: abis.governor,
    functionName: "getVotes",
    args: [voter, snapshot],
  });
  if (votes === 0n) {
    throw new RefusedError(
      `account ${voter} had no vote when proposal ${proposalId} opened: only member institutions' own accounts vote (one vote each)`,
      {
        hints: [
          "Staff, publishers and patients do not vote; `neuroledger member list` shows the members.",
        ],
      },
    );
  }
}

/** `neuroledger member queue <id>` / `execute <id>`: re-reads the proposal's calls from its event. */
export async function queueOrExecute(
  connection: Connection,
  proposalId: bigint,
  step: "queue" | "execute",
) {
  const chain = await connectChain(connection);
  const proposal = await proposalById(chain, proposalId);
  const call = { governor: chain.governor, ...proposal };
  await chain.write(step === "queue" ? queueProposalCall(call) : executeProposalCall(call));
  return proposalInfo(chain, proposalId);
}

/** `neuroledger member list`: member institutions and every proposal with its state. */
export async function listMembers(connection: Connection) {
  const chain = await connectChain(connection);
  const fromBlock = BigInt(chain.deployment.deployBlock);
  const admitted = await chain.publicClient.getContractEvents({
    address: chain.membership,
    abi: abis.membership,
    eventName: "InstitutionAdmitted",
    fromBlock,
    strict: true,
  });
  const members = [];
  for (const log of admitted) {
    const { institutionId, account, name } = log.args;
    const member = await isMember(chain.publicClient, { membership: chain.membership, account });
    members.push({ institutionId: institutionId.toString(), account, name, member });
  }
  // Oldest first, as they were proposed.
  const proposals = (
    await getProposals(chain.publicClient, { governor: chain.governor, fromBlock })
  )
    .reverse()
    .map(infoOf);
  return { members, proposals };
}

/**
 * `neuroledger member resync`: brings every task's registry back in step with the Membership
 * after the Membership's observer pointed away from the TaskDirectory for a while (what happened
 * then reached no registry): sends `TaskDirectory.resync` with every removal of the Membership's
 * history. Anyone may send it.
 * @returns the transaction, how many removals were checked, and how many stale memberships the
 *   registries still held and have now undone (0 when they were in step)
 * @throws RefusedError for a deployment without a TaskDirectory (its one registry is the observer)
 */
export async function resyncRegistries(connection: Connection) {
  const chain = await connectChain(connection);
  const directory = chain.deployment.contracts.taskDirectory?.address;
  if (directory === undefined) {
    throw new RefusedError(
      "this deployment has no TaskDirectory: its one registry is the Membership's observer, nothing relays to it",
    );
  }
  const removed = await getRemovals(chain.publicClient, {
    membership: chain.membership,
    fromBlock: BigInt(chain.deployment.deployBlock),
  });
  const sent = await chain.write(resyncCall({ taskDirectory: directory, removed }));
  const [event] = parseEventLogs({
    abi: taskDirectoryAbi,
    logs: sent.logs,
    eventName: "RegistriesResynced",
  });
  return {
    transaction: sent.hash,
    tasks: chain.tasks.map((t) => t.task),
    removalsChecked: removed.length,
    removalsUndone: Number(event?.args.removalsRelayed ?? 0n),
  };
}

/** A proposal of this governor with its calls and exact description, or a refusal naming the id. */
async function proposalById(chain: ChainClient, proposalId: bigint): Promise<Proposal> {
  const proposal = await getProposal(chain.publicClient, {
    governor: chain.governor,
    proposalId,
    fromBlock: BigInt(chain.deployment.deployBlock),
  });
  if (!proposal)
    throw new RefusedError(`no proposal ${proposalId} on this governor`, {
      hints: ["`neuroledger member list` shows them."],
    });
  return proposal;
}

async function proposalInfo(chain: ChainClient, proposalId: bigint): Promise<ProposalInfo> {
  return infoOf(await proposalById(chain, proposalId));
}

function infoOf(proposal: Proposal): ProposalInfo {
  return {
    proposalId: proposal.id.toString(),
    state: proposal.state,
    description: proposal.description,
    proposer: proposal.proposer,
    voteStart: proposal.voteStart.toString(),
    voteEnd: proposal.voteEnd.toString(),
  };
}
