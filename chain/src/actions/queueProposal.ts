import { type Address, keccak256, toHex } from "viem";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import type { EncodedProposal } from "./proposalActions.ts";
import type { ContractCall } from "./types.ts";

export type QueueProposalParameters = EncodedProposal & {
  governor: Address;
  /** The proposal's exact description, as its `ProposalCreated` event carries it. */
  description: string;
};
export type QueueProposalReturnType = ContractCall<typeof consortiumGovernorAbi, "queue">;

/** keccak256 of the description's UTF-8, as the Governor hashes it. */
export const descriptionHash = (description: string) => keccak256(toHex(description));

/**
 * The Governor call that queues a succeeded proposal in the timelock.
 * @example await chain.write(queueProposalCall({ governor, ...proposal }));
 */
export function queueProposalCall({
  governor,
  targets,
  values,
  calldatas,
  description,
}: QueueProposalParameters): QueueProposalReturnType {
  return {
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "queue",
    args: [targets, values, calldatas, descriptionHash(description)],
  };
}
