import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { modelRegistryAbi } from "@neuroledger/chain";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
  type TransactionReceipt,
  toBytes,
} from "viem";
import type { LocalChain } from "./chain.ts";
import { dev } from "./scenario.ts";

export const BINARY_TASK = "brain-tumor-mri/binary";
export const TYPE_TASK = "brain-tumor-mri/type";
export const taskIdOf = (task: string) => keccak256(toBytes(task));

/**
 * The type task's registry of a dev deployment: `deployConsortium` deploys one `ModelRegistry`
 * proxy per task, listed in `contracts.tasks` (docs/interfaces.md section 14: the binary task
 * first, its registry also `contracts.registry`), both following the Membership through the
 * TaskDirectory, with the same institutions, staff and publisher.
 * @returns the deployment file (unchanged) and the type task's registry
 * @throws Error when the deployment lists no type task
 */
export function typeTaskRegistry(deploymentFile: string): {
  deploymentFile: string;
  typeRegistry: Address;
} {
  const deployment = JSON.parse(readFileSync(deploymentFile, "utf8")) as {
    contracts: { tasks?: { task: string; registry: { address: Address } }[] };
  };
  const entry = deployment.contracts.tasks?.find((t) => t.task === TYPE_TASK);
  if (!entry) throw new Error(`${deploymentFile} lists no ${TYPE_TASK} registry`);
  return { deploymentFile, typeRegistry: entry.registry.address };
}

type DevAccount = (typeof dev)[keyof typeof dev];

/** Sends one registry call and waits for it; throws when it reverted. */
export async function registryCall(
  chain: LocalChain,
  registry: Address,
  from: DevAccount,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<TransactionReceipt> {
  const hash = await chain.wallet(from).writeContract({
    address: registry,
    abi: modelRegistryAbi as Abi,
    functionName,
    args,
  } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success") throw new Error(`${functionName} on ${registry} reverted`);
  return receipt;
}

/** Publishes a model for `task` as the dev publisher; returns its id and the transaction. */
export async function publishFor(
  chain: LocalChain,
  registry: Address,
  task: string,
  label: string,
  f1: number,
): Promise<{ modelId: bigint; txHash: Hex }> {
  const sha = keccak256(toBytes(`${task} ${label}`));
  const receipt = await registryCall(chain, registry, dev.publisher, "publish", [
    {
      content: { digest: sha, codec: 0x55 },
      keyring: { digest: keccak256(sha), codec: 0x70 },
      sha256: sha,
      metrics: { accuracy: 9000, precision: 9000, recall: 9000, f1, auc: 9500, testSetSize: 400 },
      taskId: taskIdOf(task),
      parentId: 0n,
      cardHash: keccak256(toBytes(`card ${task} ${label}`)),
      weightsHash: keccak256(toBytes(`weights ${task} ${label}`)),
    },
  ]);
  const [log] = parseEventLogs({
    abi: modelRegistryAbi,
    logs: receipt.logs,
    eventName: "ModelPublished",
  });
  return { modelId: log!.args.modelId, txHash: receipt.transactionHash };
}

/** ERC1967Proxy from the chain package's build (the artifact the deploy script uses). */
function proxyArtifact(): { abi: Abi; bytecode: Hex } {
  const chainDir = dirname(
    createRequire(import.meta.url).resolve("@neuroledger/chain/package.json"),
  );
  const path = join(
    chainDir,
    "artifacts/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json",
  );
  return JSON.parse(readFileSync(path, "utf8")) as { abi: Abi; bytecode: Hex };
}

/**
 * Deploys a `ModelRegistry` proxy for `task` as `from` (anyone may: it does nothing until the
 * TaskDirectory lists it), initialised with `admin`, the Membership and no publishers.
 * @param implementation the registry implementation (the deployment's)
 * @returns the proxy's address
 */
export async function deployTaskRegistry(
  chain: LocalChain,
  from: DevAccount,
  options: { implementation: Address; admin: Address; membership: Address; task: string },
): Promise<Address> {
  const { abi, bytecode } = proxyArtifact();
  const init = encodeFunctionData({
    abi: modelRegistryAbi,
    functionName: "initialize",
    args: [options.admin, options.membership, taskIdOf(options.task), []],
  });
  const hash = await chain
    .wallet(from)
    .deployContract({ abi, bytecode, args: [options.implementation, init] });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (!receipt.contractAddress)
    throw new Error(`the ${options.task} registry proxy was not deployed`);
  return receipt.contractAddress;
}
