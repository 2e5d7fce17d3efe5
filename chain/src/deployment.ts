// chain/deployments/<chainId>.json: its type and a checking parser (browser-safe: no file access).
// The format is docs/interfaces.md section 5.

type Address = `0x${string}`;

export interface ProxyContract {
  address: Address;
  implementation: Address;
}

export interface DeploymentParameters {
  /** Seconds between a proposal and the start of voting. */
  votingDelay: number;
  /** Seconds voting stays open. */
  votingPeriod: number;
  /** Votes needed to propose (1 = any member). */
  proposalThreshold: number;
  /** Quorum as a percentage of member votes. */
  quorumPercent: number;
  /** Timelock delay in seconds. */
  timelockDelay: number;
  /** The task string and its keccak256 id. */
  task: string;
  taskId: `0x${string}`;
  evmVersion: string;
}

export interface DevConsortium {
  mnemonic: string;
  /** Named dev accounts (see the chain README): index in the mnemonic and address. */
  accounts: Record<string, { index: number; address: Address; role: string }>;
  institutions: { id: number; name: string; account: Address }[];
}

export interface Deployment {
  chainId: number;
  deployBlock: number;
  /** ISO 8601 time of the deployment. */
  deployedAt: string;
  contracts: {
    membership: Address;
    governor: Address;
    timelock: Address;
    registry: ProxyContract;
  };
  /** Implementation behind every proxy (all four contracts are ERC-1967 proxies). */
  implementations: { membership: Address; governor: Address; timelock: Address; registry: Address };
  parameters: DeploymentParameters;
  dev?: DevConsortium;
}

function fail(where: string, problem: string): never {
  throw new Error(`Invalid deployment file (${where}): ${problem}`);
}

function address(value: unknown, where: string): Address {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value))
    fail(where, "not an address");
  return value as Address;
}

function integer(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(where, "not a non-negative integer");
  }
  return value;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(where, "not an object");
  return value as Record<string, unknown>;
}

/** Checks the shape of a parsed deployment file and returns it typed. */
export function parseDeployment(json: unknown, source = "deployment"): Deployment {
  const root = object(json, source);
  const contracts = object(root.contracts, `${source}: contracts`);
  const registry = object(contracts.registry, `${source}: contracts.registry`);
  const implementations = object(root.implementations, `${source}: implementations`);
  const parameters = object(root.parameters, `${source}: parameters`);
  if (typeof root.deployedAt !== "string" || Number.isNaN(Date.parse(root.deployedAt))) {
    fail(`${source}: deployedAt`, "not an ISO date");
  }
  const deployment: Deployment = {
    chainId: integer(root.chainId, `${source}: chainId`),
    deployBlock: integer(root.deployBlock, `${source}: deployBlock`),
    deployedAt: root.deployedAt,
    contracts: {
      membership: address(contracts.membership, `${source}: contracts.membership`),
      governor: address(contracts.governor, `${source}: contracts.governor`),
      timelock: address(contracts.timelock, `${source}: contracts.timelock`),
      registry: {
        address: address(registry.address, `${source}: contracts.registry.address`),
        implementation: address(
          registry.implementation,
          `${source}: contracts.registry.implementation`,
        ),
      },
    },
    implementations: {
      membership: address(implementations.membership, `${source}: implementations.membership`),
      governor: address(implementations.governor, `${source}: implementations.governor`),
      timelock: address(implementations.timelock, `${source}: implementations.timelock`),
      registry: address(implementations.registry, `${source}: implementations.registry`),
    },
    parameters: parameters as unknown as DeploymentParameters,
  };
  for (const key of [
    "votingDelay",
    "votingPeriod",
    "proposalThreshold",
    "quorumPercent",
    "timelockDelay",
  ]) {
    integer(parameters[key], `${source}: parameters.${key}`);
  }
  if (root.dev !== undefined)
    deployment.dev = object(root.dev, `${source}: dev`) as unknown as DevConsortium;
  return deployment;
}
