import type { Address } from "viem";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import type { EncodedProposal } from "./proposalActions.ts";
import type { ContractCall } from "./types.ts";

export type ProposeParameters = EncodedProposal & {
  governor: Address;
  /** A unique description (`proposalDescription(describeProposal(action))`). */
  description: string;
};
export type ProposeReturnType = ContractCall<typeof consortiumGovernorAbi, "propose">;

/**
 * The Governor call that submits a proposal (the sender needs a membership vote).
 * @example
 * const description = proposalDescription(describeProposal(action));
 * await chain.write(proposeCall({ governor, ...encodeProposal(contracts, action), description }));
 */
export function proposeCall({
  governor,
  targets,
  values,
  calldatas,
  description,
}: ProposeParameters): ProposeReturnType {
  return {
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "propose",
    args: [targets, values, calldatas, description],
  };
}
