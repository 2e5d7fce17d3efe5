// Passes a proposal through the consortium's Governor on a local anvil node: propose, vote,
// queue, execute, skipping the waits with anvil's time travel (the dev delays are seconds).
import { consortiumGovernorAbi, type Deployment } from "@neuroledger/chain";
import {
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  toBytes,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const EXECUTED = 7; // IGovernor.ProposalState.Executed

export type ProposalParameters = {
  rpcUrl: string;
  deployment: Deployment;
  proposer: Hex;
  voters: Hex[];
  targets: Address[];
  calldatas: Hex[];
  description: string;
};

export async function passProposal(p: ProposalParameters): Promise<void> {
  const chain = {
    id: p.deployment.chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [p.rpcUrl] } },
  } as const;
  const transport = http(p.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const governor = p.deployment.contracts.governor;
  const values = p.targets.map(() => 0n);
  const descriptionHash = keccak256(toBytes(p.description));
  const { parameters } = p.deployment;

  async function send(account: Account, functionName: string, args: readonly unknown[]) {
    const wallet = createWalletClient({ account, chain, transport });
    const { request, result } = await publicClient.simulateContract({
      account,
      address: governor,
      abi: consortiumGovernorAbi,
      functionName,
      args,
    } as never);
    const hash = await wallet.writeContract(request as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return result as unknown;
  }
  async function wait(seconds: number) {
    await testClient.increaseTime({ seconds: seconds + 1 });
    await testClient.mine({ blocks: 1 });
  }

  // Votes count at clock() - 1 (timestamp clock): let a second pass since the last mint.
  await wait(0);
  const proposalId = (await send(privateKeyToAccount(p.proposer), "propose", [
    p.targets,
    values,
    p.calldatas,
    p.description,
  ])) as bigint;
  await wait(parameters.votingDelay);
  for (const voter of p.voters) await send(privateKeyToAccount(voter), "castVote", [proposalId, 1]);
  await wait(parameters.votingPeriod);
  const executor = privateKeyToAccount(p.proposer);
  await send(executor, "queue", [p.targets, values, p.calldatas, descriptionHash]);
  await wait(parameters.timelockDelay);
  await send(executor, "execute", [p.targets, values, p.calldatas, descriptionHash]);
  const state = await publicClient.readContract({
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "state",
    args: [proposalId],
  });
  if (state !== EXECUTED) throw new Error(`proposal "${p.description}" ended in state ${state}`);
}
