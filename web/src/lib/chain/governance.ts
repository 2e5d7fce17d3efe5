import {
  AUDITOR_ROLE,
  consortiumGovernorAbi,
  GUARDIAN_ROLE,
  membershipAbi,
  modelRegistryAbi,
  PROPOSAL_STATES,
  type ProposalState,
  PUBLISHER_ROLE,
} from "@neuroledger/chain";
import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import type { Contracts } from "./registry.ts";

export type Proposal = {
  id: bigint;
  proposer: Address;
  description: string;
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  state: ProposalState;
  /** Seconds (the membership token counts votes by timestamp). */
  voteStart: bigint;
  voteEnd: bigint;
  /** Timelock eta (seconds), 0 until queued. */
  eta: bigint;
  votes: { against: bigint; for: bigint; abstain: bigint };
  hasVoted: boolean | null;
};

export type Member = {
  id: bigint;
  account: Address;
  name: string;
  admittedAt: bigint;
  staff: Address[];
};

/** Members and their staff, rebuilt from the contracts' events (no indexer needed). */
export async function readMembers(
  client: PublicClient,
  contracts: Contracts,
  fromBlock: bigint,
): Promise<Member[]> {
  const [admitted, removed, staffAdded, staffRemoved] = await Promise.all([
    client.getContractEvents({
      address: contracts.membership,
      abi: membershipAbi,
      eventName: "InstitutionAdmitted",
      fromBlock,
    }),
    client.getContractEvents({
      address: contracts.membership,
      abi: membershipAbi,
      eventName: "InstitutionRemoved",
      fromBlock,
    }),
    client.getContractEvents({
      address: contracts.registry,
      abi: modelRegistryAbi,
      eventName: "StaffAdded",
      fromBlock,
    }),
    client.getContractEvents({
      address: contracts.registry,
      abi: modelRegistryAbi,
      eventName: "StaffRemoved",
      fromBlock,
    }),
  ]);
  const gone = new Set(removed.map((e) => (e.args as { institutionId: bigint }).institutionId));
  const staff = new Map<bigint, Set<Address>>();
  const order = [
    ...staffAdded.map((e) => ({ e, add: true })),
    ...staffRemoved.map((e) => ({ e, add: false })),
  ].sort((a, b) =>
    a.e.blockNumber === b.e.blockNumber
      ? a.e.logIndex - b.e.logIndex
      : Number(a.e.blockNumber - b.e.blockNumber),
  );
  for (const { e, add } of order) {
    const { account, institutionId } = e.args as { account: Address; institutionId: bigint };
    const set = staff.get(institutionId) ?? new Set();
    add ? set.add(account) : set.delete(account);
    staff.set(institutionId, set);
  }
  const members = await Promise.all(
    admitted
      .map((e) => e.args as { institutionId: bigint; account: Address; name: string })
      .filter((a) => !gone.has(a.institutionId))
      .map(async (a) => {
        const i = (await client.readContract({
          address: contracts.membership,
          abi: membershipAbi,
          functionName: "institution",
          args: [a.institutionId],
        })) as { admittedAt: bigint; name: string };
        return {
          id: a.institutionId,
          account: a.account,
          name: i.name,
          admittedAt: i.admittedAt,
          staff: [...(staff.get(a.institutionId) ?? [])],
        };
      }),
  );
  return members.sort((a, b) => Number(a.id - b.id));
}

export async function readProposals(
  client: PublicClient,
  contracts: Contracts,
  fromBlock: bigint,
  voter?: Address,
): Promise<Proposal[]> {
  const created = await client.getContractEvents({
    address: contracts.governor,
    abi: consortiumGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock,
  });
  const read = <T>(functionName: string, args: unknown[]) =>
    client.readContract({
      address: contracts.governor,
      abi: consortiumGovernorAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  const proposals = await Promise.all(
    created.map(async (e) => {
      const a = e.args as {
        proposalId: bigint;
        proposer: Address;
        targets: Address[];
        values: bigint[];
        calldatas: Hex[];
        voteStart: bigint;
        voteEnd: bigint;
        description: string;
      };
      const [state, eta, votes, hasVoted] = await Promise.all([
        read<number>("state", [a.proposalId]),
        read<bigint>("proposalEta", [a.proposalId]),
        read<[bigint, bigint, bigint]>("proposalVotes", [a.proposalId]),
        voter ? read<boolean>("hasVoted", [a.proposalId, voter]) : Promise.resolve(null),
      ]);
      return {
        id: a.proposalId,
        proposer: a.proposer,
        description: a.description,
        targets: [...a.targets],
        values: [...a.values],
        calldatas: [...a.calldatas],
        state: PROPOSAL_STATES[state] ?? "Pending",
        voteStart: a.voteStart,
        voteEnd: a.voteEnd,
        eta,
        votes: { against: votes[0], for: votes[1], abstain: votes[2] },
        hasVoted,
      } satisfies Proposal;
    }),
  );
  return proposals.reverse();
}

export const ROLE_NAMES = {
  PUBLISHER_ROLE: "publisher",
  AUDITOR_ROLE: "auditor",
  GUARDIAN_ROLE: "guardian",
} as const;
export type RoleName = keyof typeof ROLE_NAMES;

/** The calls a proposal makes; the timelock executes them. */
export type ProposalAction =
  | { kind: "admit"; account: Address; name: string; metadataURI: string }
  | { kind: "remove"; institutionId: bigint }
  | { kind: "grant"; role: RoleName; account: Address }
  | { kind: "revokeRole"; role: RoleName; account: Address };

const ROLE_IDS: Record<RoleName, Hex> = { PUBLISHER_ROLE, AUDITOR_ROLE, GUARDIAN_ROLE };
export const roleId = (role: RoleName) => ROLE_IDS[role];

export function encodeAction(
  contracts: Contracts,
  action: ProposalAction,
): { target: Address; calldata: Hex } {
  switch (action.kind) {
    case "admit":
      return {
        target: contracts.membership,
        calldata: encodeFunctionData({
          abi: membershipAbi,
          functionName: "admit",
          args: [action.account, action.name, action.metadataURI],
        }),
      };
    case "remove":
      return {
        target: contracts.membership,
        calldata: encodeFunctionData({
          abi: membershipAbi,
          functionName: "remove",
          args: [action.institutionId],
        }),
      };
    case "grant":
      return {
        target: contracts.registry,
        calldata: encodeFunctionData({
          abi: modelRegistryAbi,
          functionName: "grantRole",
          args: [roleId(action.role), action.account],
        }),
      };
    case "revokeRole":
      return {
        target: contracts.registry,
        calldata: encodeFunctionData({
          abi: modelRegistryAbi,
          functionName: "revokeRole",
          args: [roleId(action.role), action.account],
        }),
      };
  }
}

export const descriptionHash = (description: string) => keccak256(toHex(description));
