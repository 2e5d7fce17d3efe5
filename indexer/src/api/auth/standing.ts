import { ACCOUNT_KINDS, getAccountRoles } from "@neuroledger/chain/actions";
import type { Address, PublicClient } from "viem";
import type { Standing } from "./roleCache.ts";

/**
 * Reads an account's standing from the task registries (docs/interfaces.md section 14): one
 * `rolesOf` call (`getAccountRoles`) per registry. Staff and `AUDITOR_ROLE` are per registry, so
 * the account stands as staff or auditor when it is one in any task's registry (membership is
 * one for all tasks).
 * @param registries every task registry the indexer follows (at least one)
 */
export function registryStanding(client: PublicClient, registries: readonly Address[]) {
  return async (account: Address): Promise<Standing> => {
    const each = await Promise.all(
      registries.map(async (registry) => {
        const roles = await getAccountRoles(client, { registry, account });
        const kind = ACCOUNT_KINDS[roles.kind];
        return {
          member: kind === "member" && roles.institutionActive,
          staff: kind === "staff" && roles.institutionActive,
          auditor: roles.auditor,
        };
      }),
    );
    return {
      member: each.some((s) => s.member),
      staff: each.some((s) => s.staff),
      auditor: each.some((s) => s.auditor),
    };
  };
}
