// Deploys the consortium (timelock, membership, registry, governor) behind ERC-1967 proxies,
// optionally with the dev consortium, then hands every admin role to the timelock.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  type Hex,
  type Transport,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  consortiumGovernorAbi,
  consortiumTimelockAbi,
  membershipAbi,
  modelRegistryAbi,
} from "../../abi/index.ts";
import { DEV_MNEMONIC, devAccounts, devInstitutions } from "../dev.ts";
import {
  AUDITOR_ROLE,
  DEFAULT_ADMIN_ROLE,
  TIMELOCK_CANCELLER_ROLE,
  TIMELOCK_PROPOSER_ROLE,
} from "../roles.ts";
import type { Deployment, DeploymentParameters } from "../schemas/deployment.ts";
import { type ContractName, readArtifact } from "./artifacts.ts";
import { DEV_PARAMETERS } from "./parameters.ts";

const CHAIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Founder {
  account: Address;
  name: string;
  metadataURI?: string;
}

export interface DeployConsortiumParameters {
  /** How to reach the chain (viem transport: http(url), or a Hardhat connection's provider). */
  transport: Transport;
  /** Pays for and temporarily administers the deployment; holds no role afterwards. */
  deployer: Account;
  /** Governance settings; DEV_PARAMETERS when omitted. */
  parameters?: DeploymentParameters;
  /** Founding institutions minted before the hand-over to governance. */
  founders?: Founder[];
  /** Also set up the dev consortium (three institutions, a publisher, a clinician, an auditor). */
  dev?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * Deploy another registry implementation (an artifact's bytecode) instead of `ModelRegistry`,
   * with the same `initialize`: the upgrade test deploys the pre-v2 registry this way.
   */
  registryBytecode?: Hex;
}

export type DeployConsortiumReturnType = Deployment;

/**
 * Deploys everything and returns what chain/deployments/<chainId>.json records.
 * @example const deployment = await deployConsortium({ transport: http(url), deployer, dev: true });
 */
export async function deployConsortium(
  options: DeployConsortiumParameters,
): Promise<DeployConsortiumReturnType> {
  const { transport, deployer, dev = false, log = () => {} } = options;
  const parameters = options.parameters ?? DEV_PARAMETERS;
  const founders: Founder[] = [
    ...(dev ? devInstitutions.map((i) => ({ account: i.account, name: i.name })) : []),
    ...(options.founders ?? []),
  ];
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  const chain = { id: chainId } as Chain;
  const publicClient = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ account: deployer, chain, transport });
  const startBlock = await publicClient.getBlockNumber();

  async function confirm(hash: Hex, what: string) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new Error(`Deployment step failed: ${what} (tx ${hash})`);
    return receipt;
  }

  async function deploy(
    name: ContractName,
    args: unknown[] = [],
    bytecode = readArtifact(CHAIN_DIR, name).bytecode,
  ): Promise<Address> {
    const { abi } = readArtifact(CHAIN_DIR, name);
    const hash = await wallet.deployContract({ abi, bytecode, args });
    const receipt = await confirm(hash, `deploy ${name}`);
    if (!receipt.contractAddress) throw new Error(`Deployment of ${name} returned no address`);
    return getAddress(receipt.contractAddress);
  }

  async function proxy(implementation: Address, initData: Hex, name: string): Promise<Address> {
    const address = await deploy("ERC1967Proxy", [implementation, initData]);
    log(`${name}: ${address} (implementation ${implementation})`);
    return address;
  }

  // The simulate step names the revert reason before anything is sent.
  async function call(
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: unknown[],
    from: Account = deployer,
  ) {
    const { request } = await publicClient.simulateContract({
      address,
      abi: abi as never,
      functionName: functionName as never,
      args: args as never,
      account: from,
    });
    const signer =
      from === deployer ? wallet : createWalletClient({ account: from, chain, transport });
    await confirm(await signer.writeContract(request as never), `${functionName} on ${address}`);
  }

  const implementations = {
    timelock: await deploy("ConsortiumTimelock"),
    membership: await deploy("Membership"),
    registry: await deploy("ModelRegistry", [], options.registryBytecode),
    governor: await deploy("ConsortiumGovernor"),
  };

  const timelock = await proxy(
    implementations.timelock,
    encodeFunctionData({
      abi: consortiumTimelockAbi,
      functionName: "initialize",
      args: [BigInt(parameters.timelockDelay), [], [zeroAddress], deployer.address],
    }),
    "timelock",
  );
  const membership = await proxy(
    implementations.membership,
    encodeFunctionData({
      abi: membershipAbi,
      functionName: "initialize",
      args: [deployer.address, "NeuroLedger Membership", "NLM"],
    }),
    "membership",
  );
  const registry = await proxy(
    implementations.registry,
    encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "initialize",
      args: [
        deployer.address,
        membership,
        parameters.taskId,
        dev ? [devAccounts.publisher.address] : [],
      ],
    }),
    "registry",
  );
  const governor = await proxy(
    implementations.governor,
    encodeFunctionData({
      abi: consortiumGovernorAbi,
      functionName: "initialize",
      args: [
        membership,
        timelock,
        {
          votingDelay: parameters.votingDelay,
          votingPeriod: parameters.votingPeriod,
          proposalThreshold: BigInt(parameters.proposalThreshold),
          quorumPercent: BigInt(parameters.quorumPercent),
        },
      ],
    }),
    "governor",
  );

  await call(membership, membershipAbi, "setObserver", [registry]);
  for (const founder of founders) {
    await call(membership, membershipAbi, "admit", [
      founder.account,
      founder.name,
      founder.metadataURI ?? "",
    ]);
    log(`founding member: ${founder.name} (${founder.account})`);
  }

  if (dev) {
    await call(registry, modelRegistryAbi, "grantRole", [
      AUDITOR_ROLE,
      devAccounts.auditor.address,
    ]);
    const institutionA = privateKeyToAccount(devAccounts.institutionA.privateKey);
    const institutionB = privateKeyToAccount(devAccounts.institutionB.privateKey);
    await call(
      registry,
      modelRegistryAbi,
      "addStaff",
      [devAccounts.publisher.address],
      institutionA,
    );
    await call(registry, modelRegistryAbi, "addStaff", [devAccounts.staff.address], institutionB);
    log("dev consortium: publisher (staff of A, PUBLISHER_ROLE), clinician (staff of B), auditor");
  }

  // Hand over: the Governor proposes and cancels through the timelock; the timelock administers all.
  await call(timelock, consortiumTimelockAbi, "grantRole", [TIMELOCK_PROPOSER_ROLE, governor]);
  await call(timelock, consortiumTimelockAbi, "grantRole", [TIMELOCK_CANCELLER_ROLE, governor]);
  await call(membership, membershipAbi, "grantRole", [DEFAULT_ADMIN_ROLE, timelock]);
  await call(registry, modelRegistryAbi, "grantRole", [DEFAULT_ADMIN_ROLE, timelock]);
  await call(membership, membershipAbi, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer.address]);
  await call(registry, modelRegistryAbi, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer.address]);
  await call(timelock, consortiumTimelockAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer.address,
  ]);
  log("admin roles handed to the timelock; the deployer holds none");

  const deployment: Deployment = {
    chainId,
    deployBlock: Number(startBlock) + 1,
    deployedAt: new Date().toISOString(),
    contracts: {
      membership,
      governor,
      timelock,
      registry: { address: registry, implementation: implementations.registry },
    },
    implementations,
    parameters,
  };
  if (dev) {
    const institutions = await Promise.all(
      devInstitutions.map(async (institution) => ({
        id: Number(
          await publicClient.readContract({
            address: membership,
            abi: membershipAbi,
            functionName: "institutionOf",
            args: [institution.account],
          }),
        ),
        name: institution.name,
        account: institution.account as Address,
      })),
    );
    deployment.dev = {
      mnemonic: DEV_MNEMONIC,
      accounts: Object.fromEntries(
        Object.entries(devAccounts).map(([name, a]) => [
          name,
          { index: a.index, address: a.address, role: a.role },
        ]),
      ),
      institutions,
    };
  }
  return deployment;
}
