import {
  consortiumGovernorAbi,
  consortiumTimelockAbi,
  type Deployment,
  type DeploymentTask,
  membershipAbi,
  modelRegistryAbi,
  writeContractWithGasRoom,
} from "@neuroledger/chain";
import type { ContractCall } from "@neuroledger/chain/actions";
import { deploymentTasks, loadDeployment, taskRegistry } from "@neuroledger/chain/deployment";
import { decodeContractError } from "@neuroledger/sdk/chain";
import { WeightsAlreadyPublishedError } from "@neuroledger/sdk/errors";
import {
  type Abi,
  type Address,
  type Chain,
  type ContractFunctionName,
  createPublicClient,
  createWalletClient,
  defineChain,
  getContract,
  type Hash,
  http,
  type Log,
  type PublicClient,
  type WalletClient,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Connection } from "../config.ts";
import { InvalidInputError, RefusedError, TimeoutError, UsageError } from "../errors.ts";

export interface ChainClient {
  chainId: number;
  chain: Chain;
  deployment: Deployment;
  publicClient: PublicClient;
  walletClient?: WalletClient;
  account?: PrivateKeyAccount;
  /** The task this client's `registry` serves (`--task`, the card's for publish). */
  task: string;
  /** The registry of `task`: model reads and writes go here. */
  registry: Address;
  /** Every task of the deployment with its registry (staff and keys are set in each). */
  tasks: DeploymentTask[];
  membership: Address;
  governor: Address;
  timelock: Address;
  /**
   * Sends a contract write (typed from its ABI: function name and arguments are checked), waits
   * for its receipt, and turns reverts into named errors.
   * @throws RefusedError naming the contract's custom error, or when the transaction reverted
   * @throws CliError (usage) when the connection has no account
   */
  write<
    const abi extends Abi,
    functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  >(call: WriteCall<abi, functionName>): Promise<WriteResult>;
}

/** A typed contract call (`@neuroledger/chain/actions`' `ContractCall`). */
export type WriteCall<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable"> = ContractFunctionName<
    abi,
    "nonpayable" | "payable"
  >,
> = ContractCall<abi, functionName>;

/** A mined, successful write: its hash, block and logs (decode them with `parseEventLogs`). */
export type WriteResult = { hash: Hash; blockNumber: bigint; logs: Log[] };

export const abis = {
  registry: modelRegistryAbi,
  membership: membershipAbi,
  governor: consortiumGovernorAbi,
  timelock: consortiumTimelockAbi,
} as const;

/**
 * Connects to the chain named by the connection: checks the RPC answers, reads the deployment of
 * its chain id (from `--deployment`, the stack, or `chain/deployments/<chainId>.json`).
 */
export async function connectChain(connection: Connection): Promise<ChainClient> {
  const probe = createPublicClient({
    transport: http(connection.rpcUrl, { timeout: 10_000, retryCount: 1 }),
  });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (cause) {
    throw new TimeoutError(`the chain RPC at ${connection.rpcUrl} does not answer`, {
      hints: ["Start the stack with `neuroledger up`, or pass --rpc <url> of a running node."],
      cause,
    });
  }
  const deployment = deploymentOf(connection, chainId);
  const chain = defineChain({
    id: chainId,
    name: `neuroledger-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [connection.rpcUrl] } },
  });
  const transport = http(connection.rpcUrl, { timeout: 30_000, retryCount: 2 });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: 250,
  }) as PublicClient;
  const walletClient = connection.account
    ? createWalletClient({ chain, transport, account: connection.account })
    : undefined;

  const tasks = deploymentTasks(deployment);
  const task = connection.task ?? (tasks[0] as DeploymentTask).task;
  const client: ChainClient = {
    chainId,
    chain,
    deployment,
    publicClient,
    walletClient,
    account: connection.account,
    task,
    registry: registryOfTask(deployment, task),
    tasks,
    membership: deployment.contracts.membership,
    governor: deployment.contracts.governor,
    timelock: deployment.contracts.timelock,
    async write(call) {
      if (!walletClient || !connection.account) {
        throw new UsageError("this command sends transactions and needs an account (--key / --as)");
      }
      let hash: Hash;
      try {
        // Simulate first: a revert surfaces as the contract's custom error, before any gas is spent.
        // viem cannot follow the generic call through its overloads: the call's own type was
        // checked against the ABI where it was written.
        const { request } = await publicClient.simulateContract({
          ...(call as Parameters<PublicClient["simulateContract"]>[0]),
          account: connection.account,
        });
        // Room for the block it lands in (an admission mined a second later costs more).
        hash = await writeContractWithGasRoom(publicClient, walletClient, request);
      } catch (err) {
        throw toCliError(err);
      }
      const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
      if (receipt.status !== "success") {
        throw new RefusedError(`transaction ${hash} (${call.functionName}) reverted`);
      }
      return { hash, blockNumber: receipt.blockNumber, logs: receipt.logs };
    },
  };
  return client;
}

/**
 * The same client on another task's registry (publish: the card's task).
 * @throws InvalidInputError naming the deployment's tasks when it does not run `task`
 */
export function withTask(client: ChainClient, task: string): ChainClient {
  return { ...client, task, registry: registryOfTask(client.deployment, task) };
}

function registryOfTask(deployment: Deployment, task: string): Address {
  try {
    return taskRegistry(deployment, task).address;
  } catch (cause) {
    throw new InvalidInputError((cause as Error).message, {
      hints: ["Pass --task with one of the tasks named, or publish a card of one of them."],
      cause,
    });
  }
}

function deploymentOf(connection: Connection, chainId: number): Deployment {
  try {
    return loadDeployment({ chainId, file: connection.deploymentFile || undefined });
  } catch (cause) {
    throw new UsageError(`no usable deployment for chain ${chainId}: ${(cause as Error).message}`, {
      hints: ["Pass --deployment <file>, or deploy first (`neuroledger up` does it)."],
      cause,
    });
  }
}

/**
 * A contract revert becomes a RefusedError naming the custom error, or the sdk's own error for the
 * reverts it names in a sentence (`RegistryWeightsAlreadyPublished`); the rest stays as is.
 */
export function toCliError(err: unknown): unknown {
  const decoded = decodeContractError(err);
  if (decoded instanceof WeightsAlreadyPublishedError) return decoded;
  if (decoded !== err && decoded instanceof Error) {
    return new RefusedError(decoded.message, { cause: decoded });
  }
  return err;
}

export function registryContract(client: ChainClient) {
  return getContract({
    address: client.registry,
    abi: modelRegistryAbi,
    client: client.publicClient,
  });
}

export function membershipContract(client: ChainClient) {
  return getContract({
    address: client.membership,
    abi: membershipAbi,
    client: client.publicClient,
  });
}
