import { ACCOUNT_KINDS, getAccountRoles } from "@neuroledger/chain/actions";
import type { Address, PublicClient } from "viem";
import type { Standing } from "./roleCache.ts";

/** Reads an account's standing from the registry: one `rolesOf` call (`getAccountRoles`). */
export function registryStanding(client: PublicClient, registry: Address) {
  return async (account: Address): Promise<Standing> => {
    const roles = await getAccountRoles(client, { registry, account });
    const kind = ACCOUNT_KINDS[roles.kind];
    return {
      member: kind === "member" && roles.institutionActive,
      staff: kind === "staff" && roles.institutionActive,
      auditor: roles.auditor,
    };
  };
}
