import * as chain from "@neuroledger/chain";
import { loadDeployment as loadDeploymentFile } from "@neuroledger/chain/deployment";
import { type Address, getAddress, type Hex, keccak256, toBytes } from "viem";
import { type IndexedTask, tasksOf } from "./tasks.ts";

// The one place that knows the chain package's export names: ABIs, role ids and deployments come
// from there (generated from the build), never pasted here.

export const registryAbi = chain.modelRegistryAbi;
export const membershipAbi = chain.membershipAbi;
export const governorAbi = chain.consortiumGovernorAbi;
export const timelockAbi = chain.consortiumTimelockAbi;
export const taskDirectoryAbi = chain.taskDirectoryAbi;

export type IndexedDeployment = {
  chainId: number;
  startBlock: number;
  addresses: { membership: Address; governor: Address; timelock: Address; registry: Address };
  /** The TaskDirectory (`contracts.taskDirectory`); undefined for a deployment made before tasks. */
  taskDirectory: Address | undefined;
  /** Every task and its registry (section 14); one entry for a deployment made before tasks. */
  tasks: IndexedTask[];
  /**
   * The deployment's last block (`deployEndBlock`): its tasks were all listed by then, so tasks
   * added later are looked for from the block after; undefined in older files (from `startBlock`).
   */
  endBlock: number | undefined;
};

/**
 * Where to index from: `file` (a deployment JSON, docs/interfaces.md section 5) or the chain
 * package's `deployments/<chainId>.json`, read and checked by the chain package's `loadDeployment`.
 * @throws Error naming the file and the bad field, or the other chain it was made on, or a task
 *   list that contradicts itself (see {@link tasksOf})
 */
export function loadDeployment(chainId: number, file?: string): IndexedDeployment {
  const deployment = loadDeploymentFile({ chainId, file });
  const { deployBlock, contracts } = deployment;
  return {
    chainId,
    startBlock: deployBlock,
    addresses: {
      membership: getAddress(contracts.membership),
      governor: getAddress(contracts.governor),
      timelock: getAddress(contracts.timelock),
      registry: getAddress(contracts.registry.address),
    },
    taskDirectory:
      contracts.taskDirectory === undefined
        ? undefined
        : getAddress(contracts.taskDirectory.address),
    tasks: tasksOf(deployment, file ?? `deployments/${chainId}.json`),
    endBlock: deployment.deployEndBlock,
  };
}

/** Role id -> name, for the roles the chain package declares (plus DEFAULT_ADMIN_ROLE = 0x00..). */
export const roleNames: ReadonlyMap<Hex, string> = new Map<Hex, string>([
  [`0x${"00".repeat(32)}`, "DEFAULT_ADMIN_ROLE"],
  ...Object.entries(chain.roles as Record<string, Hex>).map(
    ([name, id]) =>
      [id.toLowerCase() as Hex, name.endsWith("_ROLE") ? name : `${name}_ROLE`] as const,
  ),
]);

export const roleName = (id: Hex) => roleNames.get(id.toLowerCase() as Hex) ?? id;

/** keccak256 of a role name, to check the chain package's role ids against the convention. */
export const roleId = (name: string) => keccak256(toBytes(name));
