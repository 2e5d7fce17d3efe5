// Shared set-up of the flow tests: the real deploy code on Hardhat's in-process network.
import { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  sha256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { consortiumGovernorAbi } from "../../abi/index.ts";
import { CID_CODEC, TASK_ID } from "../../src/constants.ts";
import { deployConsortium } from "../../src/deploy/deployConsortium.ts";
import { type DevAccountName, devAccounts } from "../../src/dev.ts";

export async function setUpConsortium(options: { registryBytecode?: Hex } = {}) {
  const connection = await network.create();
  const transport = custom(connection.provider);
  const deployment = await deployConsortium({
    transport,
    deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
    dev: true,
    registryBytecode: options.registryBytecode,
  });
  const chain = { id: deployment.chainId } as Chain;
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const time = connection.networkHelpers.time;

  async function send(
    who: DevAccountName,
    address: Address,
    abi: Abi,
    functionName: string,
    args: unknown[],
  ) {
    const wallet = createWalletClient({
      account: privateKeyToAccount(devAccounts[who].privateKey),
      chain,
      transport,
    });
    const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} failed`);
    return receipt;
  }

  /** propose -> wait -> vote (A, B) -> wait -> queue -> wait -> execute. */
  async function passProposal(actions: { target: Address; data: Hex }[], description: string) {
    const governor = deployment.contracts.governor;
    const targets = actions.map((a) => a.target);
    const values = actions.map(() => 0n);
    const calldatas = actions.map((a) => a.data);
    const descriptionHash = keccak256(toHex(description));
    await time.increase(1); // votes are checkpointed by timestamp
    await send("institutionA", governor, consortiumGovernorAbi, "propose", [
      targets,
      values,
      calldatas,
      description,
    ]);
    const id = await publicClient.readContract({
      address: governor,
      abi: consortiumGovernorAbi,
      functionName: "hashProposal",
      args: [targets, values, calldatas, descriptionHash],
    });
    await time.increase(deployment.parameters.votingDelay + 1);
    await send("institutionA", governor, consortiumGovernorAbi, "castVote", [id, 1]);
    await send("institutionB", governor, consortiumGovernorAbi, "castVote", [id, 1]);
    await time.increase(deployment.parameters.votingPeriod + 1);
    await send("institutionC", governor, consortiumGovernorAbi, "queue", [
      targets,
      values,
      calldatas,
      descriptionHash,
    ]);
    await time.increase(deployment.parameters.timelockDelay + 1);
    await send("institutionC", governor, consortiumGovernorAbi, "execute", [
      targets,
      values,
      calldatas,
      descriptionHash,
    ]);
    return id;
  }

  return { connection, deployment, publicClient, send, passProposal, time, transport, chain };
}

let counter = 0;
/** Publish parameters with unique CIDs, sha256 and weights hash. */
export function publishParams(f1: number, accuracy: number, parentId = 0n) {
  counter += 1;
  return {
    content: {
      digest: keccak256(toHex(`flow-content-${counter}-${Math.random()}`)),
      codec: CID_CODEC.dagPb,
    },
    keyring: { digest: keccak256(toHex(`flow-keyring-${counter}`)), codec: CID_CODEC.raw },
    sha256: sha256(toHex(`flow-model-${counter}-${Math.random()}`)),
    metrics: { accuracy, precision: 9000, recall: 9000, f1, auc: 9500, testSetSize: 600 },
    taskId: TASK_ID,
    parentId,
    cardHash: sha256(toHex(`flow-card-${counter}`)),
    weightsHash: sha256(toHex(`flow-weights-${counter}-${Math.random()}`)),
  };
}
