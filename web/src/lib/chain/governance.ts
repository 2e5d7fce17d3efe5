// Governance reads and the proposal vocabulary the consortium page uses: all from
// @neuroledger/chain/actions (the same as the cli's).
import {
  descriptionHash,
  GOVERNED_ROLES,
  type GovernedRole,
  getMembers,
  getProposals,
  type Member,
  type Proposal,
} from "@neuroledger/chain/actions";
import type { Address, PublicClient } from "viem";
import type { Contracts } from "./registry.ts";

export {
  describeProposal,
  encodeProposal,
  type ProposalAction,
} from "@neuroledger/chain/actions";
export type { Member, Proposal };
export { descriptionHash };

/** Members and their staff, rebuilt from the contracts' events (no indexer needed). */
export function readMembers(
  client: PublicClient,
  contracts: Contracts,
  fromBlock: bigint,
): Promise<Member[]> {
  return getMembers(client, { ...contracts, fromBlock });
}

/** Every proposal, newest first, with its state, votes and whether `voter` voted. */
export function readProposals(
  client: PublicClient,
  contracts: Contracts,
  fromBlock: bigint,
  voter?: Address,
): Promise<Proposal[]> {
  return getProposals(client, { governor: contracts.governor, fromBlock, voter });
}

/** Registry roles a proposal may grant or revoke, with their labels. */
export const ROLE_NAMES: Record<GovernedRole, string> = {
  publisher: "publisher",
  auditor: "auditor",
  guardian: "guardian",
};
export type RoleName = GovernedRole;
export const roleId = (role: RoleName) => GOVERNED_ROLES[role];
