import type { Address, PublicClient } from "viem";
import { registryAbi } from "../../../lib/contracts.ts";
import type { Standing } from "./roleCache.ts";

// Registry.AccountKind: None, Member, Staff, Patient.
const MEMBER = 1;
const STAFF = 2;

/** Reads an account's standing from the registry: one `rolesOf` call. */
export function registryStanding(client: PublicClient, registry: Address) {
  return async (account: Address): Promise<Standing> => {
    const roles = await client.readContract({
      address: registry,
      abi: registryAbi,
      functionName: "rolesOf",
      args: [account],
    });
    return {
      member: roles.kind === MEMBER && roles.institutionActive,
      staff: roles.kind === STAFF && roles.institutionActive,
      auditor: roles.auditor,
    };
  };
}
