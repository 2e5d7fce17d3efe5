// The one vocabulary of governance proposals (cli and web): what an action is, the calls it
// becomes, and its title. Add a kind here and both get it.
import { type Address, encodeFunctionData, type Hex } from "viem";
import { membershipAbi, modelRegistryAbi } from "../../abi/index.ts";
import { AUDITOR_ROLE, GUARDIAN_ROLE, PUBLISHER_ROLE } from "../roles.ts";
import type { ConsortiumContracts } from "./types.ts";

/** Registry roles governance grants and revokes, by their short name. */
export const GOVERNED_ROLES = {
  publisher: PUBLISHER_ROLE,
  auditor: AUDITOR_ROLE,
  guardian: GUARDIAN_ROLE,
} as const;
export type GovernedRole = keyof typeof GOVERNED_ROLES;

/** What a proposal asks the consortium to do (the timelock executes it). */
export type ProposalAction =
  | { kind: "admit"; account: Address; name: string; metadataURI?: string }
  | { kind: "remove"; institutionId: bigint }
  | { kind: "grant-role" | "revoke-role"; role: GovernedRole; account: Address };
export type ProposalKind = ProposalAction["kind"];

/** The Governor's `propose` arguments for an action, less the description. */
export type EncodedProposal = { targets: Address[]; values: bigint[]; calldatas: Hex[] };

/**
 * The calls an action becomes: one target, no value.
 * @example
 * const { targets, values, calldatas } = encodeProposal(contracts, { kind: "remove", institutionId: 3n });
 */
export function encodeProposal(
  contracts: Pick<ConsortiumContracts, "membership" | "registry">,
  action: ProposalAction,
): EncodedProposal {
  const one = (target: Address, calldata: Hex): EncodedProposal => ({
    targets: [target],
    values: [0n],
    calldatas: [calldata],
  });
  switch (action.kind) {
    case "admit":
      return one(
        contracts.membership,
        encodeFunctionData({
          abi: membershipAbi,
          functionName: "admit",
          args: [action.account, action.name, action.metadataURI ?? ""],
        }),
      );
    case "remove":
      return one(
        contracts.membership,
        encodeFunctionData({
          abi: membershipAbi,
          functionName: "remove",
          args: [action.institutionId],
        }),
      );
    case "grant-role":
    case "revoke-role":
      return one(
        contracts.registry,
        encodeFunctionData({
          abi: modelRegistryAbi,
          functionName: action.kind === "grant-role" ? "grantRole" : "revokeRole",
          args: [GOVERNED_ROLES[action.role], action.account],
        }),
      );
  }
}

/**
 * The one-line title of an action (the first line of its description, what lists show).
 * @param options.institutionName the name of the institution a `remove` removes, when known
 * @example describeProposal({ kind: "grant-role", role: "auditor", account }) // "Grant auditor role to 0x…"
 */
export function describeProposal(
  action: ProposalAction,
  options: { institutionName?: string } = {},
): string {
  switch (action.kind) {
    case "admit":
      return `Admit ${action.name} (${action.account})`;
    case "remove":
      return options.institutionName
        ? `Remove ${options.institutionName} (institution ${action.institutionId})`
        : `Remove institution ${action.institutionId}`;
    case "grant-role":
      return `Grant ${action.role} role to ${action.account}`;
    case "revoke-role":
      return `Revoke ${action.role} role from ${action.account}`;
  }
}
