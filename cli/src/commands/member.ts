import {
  AUDITOR_ROLE,
  GUARDIAN_ROLE,
  PROPOSAL_STATES,
  type ProposalState,
  PUBLISHER_ROLE,
  proposalDescription,
} from "@neuroledger/chain";
import {
  type Address,
  encodeFunctionData,
  type Hex,
  isAddress,
  keccak256,
  parseEventLogs,
  toBytes,
} from "viem";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import type { Connection } from "../config.ts";
import { InvalidInputError, RefusedError } from "../errors.ts";

export const ROLES = {
  publisher: PUBLISHER_ROLE,
  auditor: AUDITOR_ROLE,
  guardian: GUARDIAN_ROLE,
} as const;
export type RoleName = keyof typeof ROLES;

export type ProposalAction =
  | { kind: "admit"; account: Address; name: string; metadataURI?: string }
  | { kind: "remove"; institutionId: bigint }
  | { kind: "grant-role" | "revoke-role"; role: RoleName; account: Address };

interface ProposalCall {
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
}

/**
 * The governor call an action becomes: one target, no value, and a description that no earlier
 * proposal has (`proposalDescription` of @neuroledger/chain adds a time and a random ref), so the
 * same action can be proposed again after it was executed, defeated or undone.
 */
export function proposalCall(chain: ChainClient, action: ProposalAction): ProposalCall {
  const { description, ...call } = actionCall(chain, action);
  return { ...call, description: proposalDescription(description) };
}

/** The calls of an action and its one-line title. */
function actionCall(chain: ChainClient, action: ProposalAction): ProposalCall {
  switch (action.kind) {
    case "admit":
      return {
        targets: [chain.membership],
        values: [0n],
        calldatas: [
          encodeFunctionData({
            abi: abis.membership,
            functionName: "admit",
            args: [action.account, action.name, action.metadataURI ?? ""],
          }),
        ],
        description: `Admit ${action.name} (${action.account})`,
      };
    case "remove":
      return {
        targets: [chain.membership],
        values: [0n],
        calldatas: [
          encodeFunctionData({
            abi: abis.membership,
            functionName: "remove",
            args: [action.institutionId],
          }),
        ],
        description: `Remove institution ${action.institutionId}`,
      };
    default: {
      const fn = action.kind === "grant-role" ? "grantRole" : "revokeRole";
      return {
        targets: [chain.registry],
        values: [0n],
        calldatas: [
          encodeFunctionData({
            abi: abis.registry,
            functionName: fn,
            args: [ROLES[action.role], action.account],
          }),
        ],
        description: `${action.kind === "grant-role" ? "Grant" : "Revoke"} ${action.role} role ${action.kind === "grant-role" ? "to" : "from"} ${action.account}`,
      };
    }
  }
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
  const { hash, logs } = await chain.write({
    address: chain.governor,
    abi: abis.governor,
    functionName: "propose",
    args: [call.targets, call.values, call.calldatas, call.description],
  });
  // The id comes from the ProposalCreated event this transaction emitted, not from a re-hash.
  const [created] = parseEventLogs({
    abi: abis.governor,
    eventName: "ProposalCreated",
    logs: logs as Parameters<typeof parseEventLogs>[0]["logs"],
  });
  if (!created) throw new Error(`propose tx ${hash} emitted no ProposalCreated event`);
  return describeProposal(chain, (created.args as { proposalId: bigint }).proposalId);
}

/** `neuroledger member vote <id> for|against|abstain`. */
export async function vote(
  connection: Connection,
  proposalId: bigint,
  support: "for" | "against" | "abstain",
) {
  const chain = await connectChain(connection);
  await checkVoter(chain, proposalId);
  const code = { against: 0, for: 1, abstain: 2 }[support];
  await chain.write({
    address: chain.governor,
    abi: abis.governor,
    functionName: "castVote",
    args: [proposalId, code],
  });
  return describeProposal(chain, proposalId);
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
  const call = await proposalCallById(chain, proposalId);
  await chain.write({
    address: chain.governor,
    abi: abis.governor,
    functionName: step,
    args: [call.targets, call.values, call.calldatas, keccak256(toBytes(call.description))],
  });
  return describeProposal(chain, proposalId);
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
  });
  const members = [];
  for (const log of admitted) {
    const { institutionId, account, name } = log.args as {
      institutionId: bigint;
      account: Address;
      name: string;
    };
    const isMember = (await chain.publicClient.readContract({
      address: chain.membership,
      abi: abis.membership,
      functionName: "isMember",
      args: [account],
    })) as boolean;
    members.push({ institutionId: institutionId.toString(), account, name, member: isMember });
  }
  const created = await chain.publicClient.getContractEvents({
    address: chain.governor,
    abi: abis.governor,
    eventName: "ProposalCreated",
    fromBlock,
  });
  const proposals = [];
  for (const log of created) {
    proposals.push(await describeProposal(chain, (log.args as { proposalId: bigint }).proposalId));
  }
  return { members, proposals };
}

async function proposalCallById(chain: ChainClient, proposalId: bigint): Promise<ProposalCall> {
  const logs = await chain.publicClient.getContractEvents({
    address: chain.governor,
    abi: abis.governor,
    eventName: "ProposalCreated",
    fromBlock: BigInt(chain.deployment.deployBlock),
  });
  const log = logs.find((l) => (l.args as { proposalId: bigint }).proposalId === proposalId);
  if (!log)
    throw new RefusedError(`no proposal ${proposalId} on this governor`, {
      hints: ["`neuroledger member list` shows them."],
    });
  const a = log.args as {
    targets: Address[];
    values: bigint[];
    calldatas: Hex[];
    description: string;
  };
  return {
    targets: [...a.targets],
    values: [...a.values],
    calldatas: [...a.calldatas],
    description: a.description,
  };
}

async function describeProposal(chain: ChainClient, proposalId: bigint): Promise<ProposalInfo> {
  const logs = await chain.publicClient.getContractEvents({
    address: chain.governor,
    abi: abis.governor,
    eventName: "ProposalCreated",
    fromBlock: BigInt(chain.deployment.deployBlock),
  });
  const log = logs.find((l) => (l.args as { proposalId: bigint }).proposalId === proposalId);
  if (!log) throw new RefusedError(`no proposal ${proposalId} on this governor`);
  const a = log.args as {
    proposer: Address;
    voteStart: bigint;
    voteEnd: bigint;
    description: string;
  };
  const state = (await chain.publicClient.readContract({
    address: chain.governor,
    abi: abis.governor,
    functionName: "state",
    args: [proposalId],
  })) as number;
  return {
    proposalId: proposalId.toString(),
    state: PROPOSAL_STATES[state] ?? "Pending",
    description: a.description,
    proposer: a.proposer,
    voteStart: a.voteStart.toString(),
    voteEnd: a.voteEnd.toString(),
  };
}
