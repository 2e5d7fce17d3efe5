// What every action is given: a viem client and the consortium's contract addresses.
import type { Abi, Address, ContractFunctionName, ContractFunctionParameters } from "viem";
import type { Deployment } from "../schemas/deployment.ts";

/** The four contracts of a consortium (proxies), as callers address them. */
export type ConsortiumContracts = {
  membership: Address;
  governor: Address;
  timelock: Address;
  registry: Address;
};

/** The contract addresses of a deployment file. */
export function consortiumContracts(deployment: Deployment): ConsortiumContracts {
  const { membership, governor, timelock, registry } = deployment.contracts;
  return { membership, governor, timelock, registry: registry.address };
}

/** Where reads are taken: a past block, or the latest one (default). */
export type BlockParameter = { blockNumber?: bigint };

/** Where event scans start (the deployment's `deployBlock`; default block 0). */
export type FromBlockParameter = { fromBlock?: bigint };

/**
 * A state-changing contract call, typed from the ABI (function name and arguments checked by
 * viem's inference). Write actions return one; the caller sends it with its own wallet
 * (`walletClient.writeContract({ ...call, account, chain })`, or the cli's `chain.write(call)`).
 */
export type ContractCall<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable"> = ContractFunctionName<
    abi,
    "nonpayable" | "payable"
  >,
> = ContractFunctionParameters<abi, "nonpayable" | "payable", functionName>;
