import type { ContractFunctionReturnType } from "viem";
import type { modelRegistryAbi } from "../abi/index.ts";

/** A kept model as `ModelRegistry.getModel` returns it; derived from the ABI, so it follows upgrades. */
export type RegistryModel = ContractFunctionReturnType<typeof modelRegistryAbi, "view", "getModel">;
