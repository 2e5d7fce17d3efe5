import type { ContractFunctionReturnType } from "viem";
import type { modelRegistryAbi } from "../abi/index.ts";

/** A kept model as `ModelRegistry.getModel` returns it; derived from the ABI, so it follows upgrades. */
export type RegistryModel = ContractFunctionReturnType<typeof modelRegistryAbi, "view", "getModel">;

/** What an account is to the registry, as `ModelRegistry.rolesOf` returns it (from the ABI). */
export type RegistryRoles = ContractFunctionReturnType<typeof modelRegistryAbi, "view", "rolesOf">;
