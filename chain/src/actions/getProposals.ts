import type { Address, Client, GetContractEventsErrorType, Hex, ReadContractErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import { PROPOSAL_STATES, type ProposalState } from "../constants.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetProposalsParameters = FromBlockParameter & {
  governor: Address;
  /** Also tell whether this account has voted on each. */
  voter?: Address;
  /** Only this proposal (its `ProposalCreated` event is still scanned for). */
  proposalId?: bigint;
};
export type Proposal = {
  id: bigint;
  proposer: Address;
  /** The exact description text (queue and execute hash it). */
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
  /** Null when no `voter` was given. */
  hasVoted: boolean | null;
};
/** Newest first. */
export type GetProposalsReturnType = Proposal[];
export type GetProposalsErrorType = GetContractEventsErrorType | ReadContractErrorType;

/**
 * Every proposal of the Governor with its state, votes and eta, from `ProposalCreated` events.
 * @example const [newest] = await getProposals(client, { governor, fromBlock, voter });
 */
export async function getProposals(
  client: Client,
  { governor, voter, proposalId, fromBlock = 0n }: GetProposalsParameters,
): Promise<GetProposalsReturnType> {
  const created = await getContractEvents(client, {
    address: governor,
    abi: consortiumGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock,
    strict: true,
  });
  const wanted = created.filter(
    (event) => proposalId === undefined || event.args.proposalId === proposalId,
  );
  const read = { address: governor, abi: consortiumGovernorAbi } as const;
  const proposals = await Promise.all(
    wanted.map(async ({ args }) => {
      const id = args.proposalId;
      const [state, eta, [against, votesFor, abstain], hasVoted] = await Promise.all([
        readContract(client, { ...read, functionName: "state", args: [id] }),
        readContract(client, { ...read, functionName: "proposalEta", args: [id] }),
        readContract(client, { ...read, functionName: "proposalVotes", args: [id] }),
        voter
          ? readContract(client, { ...read, functionName: "hasVoted", args: [id, voter] })
          : null,
      ]);
      return {
        id,
        proposer: args.proposer,
        description: args.description,
        targets: [...args.targets],
        values: [...args.values],
        calldatas: [...args.calldatas],
        state: PROPOSAL_STATES[state] ?? "Pending",
        voteStart: args.voteStart,
        voteEnd: args.voteEnd,
        eta,
        votes: { against, for: votesFor, abstain },
        hasVoted,
      } satisfies Proposal;
    }),
  );
  return proposals.reverse();
}
