import type { Address } from "viem";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import type { EncodedProposal } from "./proposalActions.ts";
import { descriptionHash } from "./queueProposal.ts";
import type { ContractCall } from "./types.ts";

export type ExecuteProposalParameters = EncodedProposal & {
  governor: Address;
  /** The proposal's exact description, as its `ProposalCreated` event carries it. */
  description: string;
};
export type ExecuteProposalReturnType = ContractCall<typeof consortiumGovernorAbi, "execute">;

/**
 * The Governor call that executes a queued proposal once the timelock delay has passed.
 * @example await chain.write(executeProposalCall({ governor, ...proposal }));
 */
export function executeProposalCall({
  governor,
  targets,
  values,
  calldatas,
  description,
}: ExecuteProposalParameters): ExecuteProposalReturnType {
  return {
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "execute",
    args: [targets, values, calldatas, descriptionHash(description)],
  };
}
