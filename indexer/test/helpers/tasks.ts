import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devAccounts, modelRegistryAbi } from "@neuroledger/chain";
import { DEV_PARAMETERS, deployConsortium } from "@neuroledger/chain/deploy";
import {
  type Abi,
  type Address,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  type TransactionReceipt,
  toBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "./chain.ts";
import { dev } from "./scenario.ts";

export const BINARY_TASK = "brain-tumor-mri/binary";
export const TYPE_TASK = "brain-tumor-mri/type";
export const taskIdOf = (task: string) => keccak256(toBytes(task));

/**
 * Deploys a second `ModelRegistry` proxy, for the type task, with the chain package's own
 * `deployConsortium` (dev consortium, so the same institutions, staff and publisher, ids 1..3),
 * and writes a deployment file naming both task registries (docs/interfaces.md section 14: the
 * binary task first, its registry also `contracts.registry`). The type registry follows a
 * membership of its own here: no TaskDirectory is needed to index it.
 * @returns the new deployment file and the type task's registry
 */
export async function addTypeTaskRegistry(
  chain: LocalChain,
  binaryDeploymentFile: string,
  dir: string,
): Promise<{ deploymentFile: string; typeRegistry: Address }> {
  const typed = await deployConsortium({
    transport: http(chain.rpcUrl),
    deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
    dev: true,
    parameters: { ...DEV_PARAMETERS, task: TYPE_TASK, taskId: taskIdOf(TYPE_TASK) },
  });
  const binary = JSON.parse(readFileSync(binaryDeploymentFile, "utf8"));
  binary.contracts.tasks = [
    { task: BINARY_TASK, taskId: taskIdOf(BINARY_TASK), registry: binary.contracts.registry },
    { task: TYPE_TASK, taskId: taskIdOf(TYPE_TASK), registry: typed.contracts.registry },
  ];
  const deploymentFile = join(dir, "tasks-deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(binary, null, 2));
  return { deploymentFile, typeRegistry: typed.contracts.registry.address };
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
