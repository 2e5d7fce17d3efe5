// Deploys the consortium (timelock, membership, registry, governor) behind ERC-1967 proxies,
// optionally with the dev consortium, then hands every admin role to the timelock.
import {
  type Account,
  type Address,
  encodeFunctionData,
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
import {
  type DeploySession,
  deployContract,
  deployProxy,
  openDeploySession,
  sendCall,
} from "./deploySession.ts";
import { DEV_PARAMETERS } from "./parameters.ts";

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

type Implementations = Deployment["implementations"];
/** The four proxies' addresses. */
type Proxies = { timelock: Address; membership: Address; registry: Address; governor: Address };

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
  const session = await openDeploySession(transport, deployer, log);
  const startBlock = await session.publicClient.getBlockNumber();

  const implementations = await deployImplementations(session, options.registryBytecode);
  const proxies = await deployProxies(session, implementations, parameters, dev);
  await admitFounders(session, proxies, founders);
  if (dev) await appointDevAccounts(session, proxies.registry);
  await handOverToTimelock(session, proxies);
  await startFoundersVotingClock(session);

  const deployment: Deployment = {
    chainId: session.chainId,
    deployBlock: Number(startBlock) + 1,
    deployedAt: new Date().toISOString(),
    contracts: {
      membership: proxies.membership,
      governor: proxies.governor,
      timelock: proxies.timelock,
      registry: { address: proxies.registry, implementation: implementations.registry },
    },
    implementations,
    parameters,
  };
  if (dev) deployment.dev = await devConsortiumRecord(session, proxies.membership);
  return deployment;
}

/** Step 1: the four implementation contracts (`registryBytecode` replaces ModelRegistry's). */
async function deployImplementations(
  session: DeploySession,
  registryBytecode: Hex | undefined,
): Promise<Implementations> {
  return {
    timelock: await deployContract(session, "ConsortiumTimelock"),
    membership: await deployContract(session, "Membership"),
    registry: await deployContract(session, "ModelRegistry", [], registryBytecode),
    governor: await deployContract(session, "ConsortiumGovernor"),
  };
}

/** Step 2: a proxy per contract, initialised with the deployer as temporary admin. */
async function deployProxies(
  session: DeploySession,
  implementations: Implementations,
  parameters: DeploymentParameters,
  dev: boolean,
): Promise<Proxies> {
  const admin = session.deployer.address;
  const timelock = await deployProxy(
    session,
    implementations.timelock,
    encodeFunctionData({
      abi: consortiumTimelockAbi,
      functionName: "initialize",
      args: [BigInt(parameters.timelockDelay), [], [zeroAddress], admin],
    }),
    "timelock",
  );
  const membership = await deployProxy(
    session,
    implementations.membership,
    encodeFunctionData({
      abi: membershipAbi,
      functionName: "initialize",
      args: [admin, "NeuroLedger Membership", "NLM"],
    }),
    "membership",
  );
  const registry = await deployProxy(
    session,
    implementations.registry,
    encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "initialize",
      args: [admin, membership, parameters.taskId, dev ? [devAccounts.publisher.address] : []],
    }),
    "registry",
  );
  const governor = await deployProxy(
    session,
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
  return { timelock, membership, registry, governor };
}

/** Step 3: the registry observes membership, then each founder is admitted. */
async function admitFounders(session: DeploySession, proxies: Proxies, founders: Founder[]) {
  const { membership, registry } = proxies;
  await sendCall(session, membership, membershipAbi, "setObserver", [registry]);
  for (const founder of founders) {
    await sendCall(session, membership, membershipAbi, "admit", [
      founder.account,
      founder.name,
      founder.metadataURI ?? "",
    ]);
    session.log(`founding member: ${founder.name} (${founder.account})`);
  }
}

/** Dev only: the auditor role, and the publisher and clinician as staff of institutions A and B. */
async function appointDevAccounts(session: DeploySession, registry: Address) {
  await sendCall(session, registry, modelRegistryAbi, "grantRole", [
    AUDITOR_ROLE,
    devAccounts.auditor.address,
  ]);
  const institutionA: Account = privateKeyToAccount(devAccounts.institutionA.privateKey);
  const institutionB: Account = privateKeyToAccount(devAccounts.institutionB.privateKey);
  await sendCall(
    session,
    registry,
    modelRegistryAbi,
    "addStaff",
    [devAccounts.publisher.address],
    institutionA,
  );
  await sendCall(
    session,
    registry,
    modelRegistryAbi,
    "addStaff",
    [devAccounts.staff.address],
    institutionB,
  );
  session.log(
    "dev consortium: publisher (staff of A, PUBLISHER_ROLE), clinician (staff of B), auditor",
  );
}

/**
 * Step 4, the hand-over: the Governor proposes and cancels through the timelock; the timelock
 * administers all; the deployer renounces every admin role.
 */
async function handOverToTimelock(session: DeploySession, proxies: Proxies) {
  const { timelock, membership, registry, governor } = proxies;
  const deployer = session.deployer.address;
  await sendCall(session, timelock, consortiumTimelockAbi, "grantRole", [
    TIMELOCK_PROPOSER_ROLE,
    governor,
  ]);
  await sendCall(session, timelock, consortiumTimelockAbi, "grantRole", [
    TIMELOCK_CANCELLER_ROLE,
    governor,
  ]);
  await sendCall(session, membership, membershipAbi, "grantRole", [DEFAULT_ADMIN_ROLE, timelock]);
  await sendCall(session, registry, modelRegistryAbi, "grantRole", [DEFAULT_ADMIN_ROLE, timelock]);
  await sendCall(session, membership, membershipAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer,
  ]);
  await sendCall(session, registry, modelRegistryAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer,
  ]);
  await sendCall(session, timelock, consortiumTimelockAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer,
  ]);
  session.log("admin roles handed to the timelock; the deployer holds none");
}

/**
 * Step 5: founders can propose in the very next block. Their votes count from the second after
 * admission (the membership clock is the timestamp and the Governor reads `clock() - 1`), and an
 * automining dev node (anvil) stamps every block of the same wall-clock second alike, so a founder
 * proposing at once would have no votes (`GovernorInsufficientProposerVotes`). A dev node is moved
 * one second on; a node without `evm_` methods (Besu) stamps each block later than the last anyway.
 */
async function startFoundersVotingClock(session: DeploySession) {
  const client = session.publicClient;
  const admittedAt = (await client.getBlock()).timestamp;
  try {
    await client.request({
      method: "evm_setNextBlockTimestamp" as never,
      params: [Number(admittedAt + 1n)] as never,
    });
    await client.request({ method: "evm_mine" as never, params: [] as never });
  } catch {
    // Not a dev node: its next block is stamped after this one.
  }
}

/** The deployment file's `dev` section: the mnemonic, named accounts and institution ids. */
async function devConsortiumRecord(
  session: DeploySession,
  membership: Address,
): Promise<NonNullable<Deployment["dev"]>> {
  const institutions = await Promise.all(
    devInstitutions.map(async (institution) => ({
      id: Number(
        await session.publicClient.readContract({
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
  return {
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
