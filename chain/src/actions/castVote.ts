import type { Address } from "viem";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import type { ContractCall } from "./types.ts";

/** Governor support codes (GovernorCountingSimple). */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type VoteSupport = keyof typeof VOTE_SUPPORT;

export type CastVoteParameters = { governor: Address; proposalId: bigint; support: VoteSupport };
export type CastVoteReturnType = ContractCall<typeof consortiumGovernorAbi, "castVote">;

/**
 * The Governor call that votes on an active proposal.
 * @example await walletClient.writeContract({ ...castVoteCall({ governor, proposalId, support: "for" }), account, chain });
 */
export function castVoteCall({
  governor,
  proposalId,
  support,
}: CastVoteParameters): CastVoteReturnType {
  return {
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "castVote",
    args: [proposalId, VOTE_SUPPORT[support]],
  };
}
