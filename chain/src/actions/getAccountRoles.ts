import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { RegistryRoles } from "../records.ts";
import type { BlockParameter } from "./types.ts";

/** `RegistryRoles.kind` by index (IModelRegistry.AccountKind). */
export const ACCOUNT_KINDS = ["none", "member", "staff", "patient"] as const;
export type AccountKindName = (typeof ACCOUNT_KINDS)[number];

export type GetAccountRolesParameters = BlockParameter & { registry: Address; account: Address };
/**
 * What an account is to the registry (one call): `kind` (0 none, 1 member, 2 staff, 3 patient;
 * `ACCOUNT_KINDS[kind]` names it), its institution and whether it is active, the roles it holds
 * and its encryption key (zero when none).
 */
export type GetAccountRolesReturnType = RegistryRoles;
export type GetAccountRolesErrorType = ReadContractErrorType;

/**
 * @example
 * const roles = await getAccountRoles(client, { registry, account });
 * ACCOUNT_KINDS[roles.kind] // "staff"
 */
export async function getAccountRoles(
  client: Client,
  { registry, account, blockNumber }: GetAccountRolesParameters,
): Promise<GetAccountRolesReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "rolesOf",
    args: [account],
    blockNumber,
  });
}
