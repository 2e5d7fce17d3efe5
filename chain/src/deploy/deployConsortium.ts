// Deploys the consortium (timelock, membership, one registry per task, the task directory,
// governor) behind ERC-1967 proxies, optionally with the dev consortium, then hands every admin
// role to the timelock.
import {
  type Account,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type Transport,
  toBytes,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  consortiumGovernorAbi,
  consortiumTimelockAbi,
  membershipAbi,
  modelRegistryAbi,
  taskDirectoryAbi,
} from "../../abi/index.ts";
import { DEFAULT_TASKS } from "../constants.ts";
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
  /**
   * The tasks to run, one registry each (same implementation) listed in a TaskDirectory that
   * relays admissions to all of them (docs/interfaces.md section 14); the first must be
   * `parameters.task`. Default DEFAULT_TASKS (binary + type); `[]` deploys the single registry
   * of before tasks, without a directory (what a `registryBytecode` of an older registry needs,
   * and the default when one is given).
   */
  tasks?: readonly string[];
}

export type DeployConsortiumReturnType = Deployment;

type Implementations = Deployment["implementations"];
/** The four proxies' addresses. */
type Proxies = {
  timelock: Address;
  membership: Address;
  registry: Address;
  governor: Address;
  /** The directory and every task's registry (the first is `registry`); absent without tasks. */
  taskDirectory?: Address;
  tasks: { task: string; taskId: Hex; registry: Address }[];
};

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
  const tasks = options.tasks ?? (options.registryBytecode === undefined ? DEFAULT_TASKS : []);
  if (tasks.length > 0 && tasks[0] !== parameters.task) {
    throw new Error(`The first task must be parameters.task (${parameters.task}), not ${tasks[0]}`);
  }
  const session = await openDeploySession(transport, deployer, log);
  const startBlock = await session.publicClient.getBlockNumber();

  const implementations = await deployImplementations(
    session,
    options.registryBytecode,
    tasks.length > 0,
  );
  const proxies = await deployProxies(session, implementations, parameters, dev, tasks);
  await configure(session, proxies, founders, dev);
  await startFoundersVotingClock(session);
  const endBlock = await session.publicClient.getBlockNumber({ cacheTime: 0 });

  const deployment: Deployment = {
    chainId: session.chainId,
    deployBlock: Number(startBlock) + 1,
    deployEndBlock: Number(endBlock),
    deployedAt: new Date().toISOString(),
    contracts: {
      membership: proxies.membership,
      governor: proxies.governor,
      timelock: proxies.timelock,
      registry: { address: proxies.registry, implementation: implementations.registry },
      ...(proxies.taskDirectory !== undefined && implementations.taskDirectory !== undefined
        ? {
            taskDirectory: {
              address: proxies.taskDirectory,
              implementation: implementations.taskDirectory,
            },
            tasks: proxies.tasks.map((entry) => ({
              task: entry.task,
              taskId: entry.taskId,
              registry: { address: entry.registry, implementation: implementations.registry },
            })),
          }
        : {}),
    },
    implementations,
    parameters,
  };
  if (dev) deployment.dev = await devConsortiumRecord(session, proxies.membership);
  return deployment;
}

/**
 * Steps 3 to 5, in the order addTask needs (the timelock must be each task registry's only admin
 * when it is listed): dev auditor, registries handed over, tasks, founders, dev staff, the rest
 * handed over.
 */
async function configure(
  session: DeploySession,
  proxies: Proxies,
  founders: Founder[],
  dev: boolean,
) {
  if (dev) for (const registry of registriesOf(proxies)) await appointDevAuditor(session, registry);
  if (proxies.taskDirectory !== undefined) {
    await handOverRegistries(session, proxies);
    await addTasks(session, proxies, proxies.taskDirectory);
  }
  await admitFounders(session, proxies, founders);
  if (dev) for (const registry of registriesOf(proxies)) await appointDevStaff(session, registry);
  await handOverToTimelock(session, proxies);
}

/** Every registry of the deployment: one per task, or the single one of before tasks. */
function registriesOf(proxies: Proxies): Address[] {
  return proxies.tasks.length > 0
    ? proxies.tasks.map((entry) => entry.registry)
    : [proxies.registry];
}

/**
 * Step 1: the implementation contracts (`registryBytecode` replaces ModelRegistry's); one
 * registry implementation serves every task.
 */
async function deployImplementations(
  session: DeploySession,
  registryBytecode: Hex | undefined,
  withTasks: boolean,
): Promise<Implementations> {
  const implementations: Implementations = {
    timelock: await deployContract(session, "ConsortiumTimelock"),
    membership: await deployContract(session, "Membership"),
    registry: await deployContract(session, "ModelRegistry", [], registryBytecode),
    governor: await deployContract(session, "ConsortiumGovernor"),
  };
  if (withTasks) implementations.taskDirectory = await deployContract(session, "TaskDirectory");
  return implementations;
}

/** Step 2: a proxy per contract, initialised with the deployer as temporary admin. */
async function deployProxies(
  session: DeploySession,
  implementations: Implementations,
  parameters: DeploymentParameters,
  dev: boolean,
  taskNames: readonly string[],
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
  const deployRegistry = (taskId: Hex, label: string) =>
    deployProxy(
      session,
      implementations.registry,
      encodeFunctionData({
        abi: modelRegistryAbi,
        functionName: "initialize",
        args: [admin, membership, taskId, dev ? [devAccounts.publisher.address] : []],
      }),
      label,
    );
  const registry = await deployRegistry(parameters.taskId, "registry");
  const tasks: Proxies["tasks"] = [];
  for (const [index, task] of taskNames.entries()) {
    const taskId = keccak256(toBytes(task));
    tasks.push({
      task,
      taskId,
      registry: index === 0 ? registry : await deployRegistry(taskId, `registry (${task})`),
    });
  }
  const taskDirectory =
    implementations.taskDirectory === undefined
      ? undefined
      : await deployProxy(
          session,
          implementations.taskDirectory,
          encodeFunctionData({
            abi: taskDirectoryAbi,
            functionName: "initialize",
            args: [admin, timelock, membership],
          }),
          "task directory",
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
  return { timelock, membership, registry, governor, taskDirectory, tasks };
}

/** Step 3a (dev only): the auditor role in a registry, while the deployer still administers it. */
async function appointDevAuditor(session: DeploySession, registry: Address) {
  await sendCall(session, registry, modelRegistryAbi, "grantRole", [
    AUDITOR_ROLE,
    devAccounts.auditor.address,
  ]);
}

/**
 * Step 3b (with tasks): the timelock becomes every task registry's only admin, which addTask
 * checks (`adminCount() == 1`); nothing after this needs the deployer there.
 */
async function handOverRegistries(session: DeploySession, proxies: Proxies) {
  for (const registry of registriesOf(proxies)) await handOverRegistry(session, proxies, registry);
}

async function handOverRegistry(session: DeploySession, proxies: Proxies, registry: Address) {
  await sendCall(session, registry, modelRegistryAbi, "grantRole", [
    DEFAULT_ADMIN_ROLE,
    proxies.timelock,
  ]);
  await sendCall(session, registry, modelRegistryAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    session.deployer.address,
  ]);
}

/** Step 3c (with tasks): the directory observes membership; the tasks are added. */
async function addTasks(session: DeploySession, proxies: Proxies, taskDirectory: Address) {
  await sendCall(session, proxies.membership, membershipAbi, "setObserver", [taskDirectory]);
  for (const entry of proxies.tasks) {
    await sendCall(session, taskDirectory, taskDirectoryAbi, "addTask", [
      entry.task,
      entry.registry,
    ]);
    session.log(`task ${entry.task}: registry ${entry.registry}`);
  }
}

/** Step 4: without tasks the registry observes membership; then each founder is admitted. */
async function admitFounders(session: DeploySession, proxies: Proxies, founders: Founder[]) {
  const { membership, registry } = proxies;
  if (proxies.taskDirectory === undefined) {
    await sendCall(session, membership, membershipAbi, "setObserver", [registry]);
  }
  for (const founder of founders) {
    await sendCall(session, membership, membershipAbi, "admit", [
      founder.account,
      founder.name,
      founder.metadataURI ?? "",
    ]);
    session.log(`founding member: ${founder.name} (${founder.account})`);
  }
}

/** Dev only: the publisher and clinician as staff of institutions A and B. */
async function appointDevStaff(session: DeploySession, registry: Address) {
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
 * Step 5, the hand-over: the Governor proposes and cancels through the timelock; the timelock
 * administers all; the deployer renounces every admin role (a task registry's were handed over
 * at step 3b).
 */
async function handOverToTimelock(session: DeploySession, proxies: Proxies) {
  const { timelock, membership, governor, taskDirectory } = proxies;
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
  await sendCall(session, membership, membershipAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer,
  ]);
  if (taskDirectory === undefined) {
    await handOverRegistry(session, proxies, proxies.registry);
  } else {
    await sendCall(session, taskDirectory, taskDirectoryAbi, "grantRole", [
      DEFAULT_ADMIN_ROLE,
      timelock,
    ]);
    await sendCall(session, taskDirectory, taskDirectoryAbi, "renounceRole", [
      DEFAULT_ADMIN_ROLE,
      deployer,
    ]);
  }
  await sendCall(session, timelock, consortiumTimelockAbi, "renounceRole", [
    DEFAULT_ADMIN_ROLE,
    deployer,
  ]);
  session.log("admin roles handed to the timelock; the deployer holds none");
}

/**
 * Step 6: founders can propose in the very next block. Their votes count from the second after
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
