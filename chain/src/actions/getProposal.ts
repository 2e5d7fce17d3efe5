import type { Address, Client } from "viem";
import { type GetProposalsErrorType, getProposals, type Proposal } from "./getProposals.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetProposalParameters = FromBlockParameter & {
  governor: Address;
  proposalId: bigint;
  voter?: Address;
};
/** The proposal, or undefined when this Governor has none with that id (since `fromBlock`). */
export type GetProposalReturnType = Proposal | undefined;
export type GetProposalErrorType = GetProposalsErrorType;

/**
 * One proposal with its calls (from its event), state, votes and eta.
 * @example
 * const p = await getProposal(client, { governor, proposalId, fromBlock });
 * if (!p) throw new Error("no such proposal");
 */
export async function getProposal(
  client: Client,
  parameters: GetProposalParameters,
): Promise<GetProposalReturnType> {
  const [proposal] = await getProposals(client, parameters);
  return proposal;
}
