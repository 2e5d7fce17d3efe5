import { readFileSync } from "node:fs";
import { TASK as BINARY_TASK, type Deployment, type Stack } from "@neuroledger/chain";
import { loadDeployment } from "@neuroledger/chain/deployment";
import { parseStack } from "@neuroledger/chain/schemas";
import type { Address } from "viem";
import type { AppConfig, AppTask } from "../config.ts";

/**
 * Server-side view of the stack: where the chain node and the indexer really are (the page
 * reaches both through this server, same origin, so cross-origin isolation never blocks them).
 *
 * Read from `stack.json` (`NEUROLEDGER_STACK`, written by `neuroledger up`), or from single
 * variables, which win over the stack file:
 * - NEUROLEDGER_STACK           path to `.neuroledger/stack.json`
 * - NEUROLEDGER_RPC_URL         chain JSON-RPC (default http://127.0.0.1:8545)
 * - NEUROLEDGER_CHAIN_ID        chain id (default 31337)
 * - NEUROLEDGER_DEPLOYMENT      path to chain/deployments/<chainId>.json
 * - NEUROLEDGER_INDEXER_URL     indexer base URL (optional)
 * - NEUROLEDGER_GATEWAYS        JSON object: institution address -> trustless gateway URL
 * - NEUROLEDGER_EXPLORER_URL    block explorer base URL (optional)
 * - NEUROLEDGER_WALLET_RPC_URL  public JSON-RPC URL wallets add the chain with (optional; default
 *                               this app's own `/rpc` proxy; never the upstream node's URL)
 * - NEUROLEDGER_SIWE_DOMAIN     the host users see (e.g. `audit.hospital.example`): sign-ins for any
 *                               other domain are refused before they reach the indexer (optional;
 *                               default: the request's host)
 *
 * The upstream URLs stay on the server: `app` (served at `/config.json`) names only same-origin
 * paths and what the page must reach itself (gateways, explorer).
 */
export interface ServerConfig {
  upstreamRpcUrl: string;
  upstreamIndexerUrl: string | null;
  /** The SIWE domain this app's users sign for; null = the host of each request. */
  siweDomain: string | null;
  app: AppConfig;
}

/** The deployment addresses the app needs (from the deployment file, or the stack's copy). */
type DeploymentAddresses = {
  chainId: number;
  deployBlock: number;
  contracts: Pick<Deployment["contracts"], "membership" | "governor" | "timelock"> & {
    registry: Address;
  };
  tasks: AppTask[];
};

/**
 * What a deployment's `contracts` say about tasks (docs/interfaces.md section 14): `tasks` when the
 * deployment has a TaskDirectory, else one task, the binary one, at `contracts.registry` (files
 * written before issue 15). The chain package's schema has checked the entries' shapes.
 * @throws Error when a task is named twice or `tasks` is present but empty: the page could not
 *   tell which registry a `?task=` means.
 */
export function tasksOfDeployment(contracts: {
  registry: { address: Address };
  tasks?: readonly { task: string; registry: { address: Address } }[];
}): AppTask[] {
  const listed = contracts.tasks;
  if (listed === undefined) return [{ task: BINARY_TASK, registry: contracts.registry.address }];
  if (listed.length === 0)
    throw new Error("The deployment's contracts.tasks is empty: it must list at least one task.");
  const seen = new Set<string>();
  return listed.map(({ task, registry }) => {
    if (seen.has(task)) throw new Error(`The deployment names the task "${task}" twice.`);
    seen.add(task);
    return { task, registry: registry.address };
  });
}

function readDeployment(path: string): DeploymentAddresses {
  let deployment: Deployment;
  try {
    deployment = loadDeployment({ file: path });
  } catch (cause) {
    throw new Error(
      `NEUROLEDGER_DEPLOYMENT: cannot read the deployment file ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const { chainId, deployBlock, contracts } = deployment;
  const { membership, governor, timelock } = contracts;
  return {
    chainId,
    deployBlock,
    contracts: { membership, governor, timelock, registry: contracts.registry.address },
    tasks: tasksOfDeployment(contracts),
  };
}

function readStack(path: string): Stack {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new Error(`NEUROLEDGER_STACK: cannot read ${path} (is \`neuroledger up\` running?)`, {
      cause,
    });
  }
  return parseStack(json, path);
}

function parseGateways(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, string>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
}

export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const stack = env.NEUROLEDGER_STACK ? readStack(env.NEUROLEDGER_STACK) : null;
  const upstreamRpcUrl = env.NEUROLEDGER_RPC_URL ?? stack?.chain.rpcUrl ?? "http://127.0.0.1:8545";
  const deployment = deploymentOf(env, stack);
  const chainId = Number(env.NEUROLEDGER_CHAIN_ID ?? deployment?.chainId ?? 31337);
  const upstreamIndexerUrl = env.NEUROLEDGER_INDEXER_URL ?? stack?.services.indexer?.url ?? null;
  return {
    upstreamRpcUrl,
    upstreamIndexerUrl,
    siweDomain: env.NEUROLEDGER_SIWE_DOMAIN || null,
    app: {
      chain: appChain(env, chainId),
      contracts: deployment ? deployment.contracts : null,
      tasks: deployment?.tasks ?? [],
      deployBlock: deployment?.deployBlock ?? 0,
      indexerUrl: upstreamIndexerUrl ? "/indexer" : null,
      gateways: gatewaysOf(env, stack),
    },
  };
}

/** The deployment file named by NEUROLEDGER_DEPLOYMENT or the stack, else the stack's addresses. */
function deploymentOf(env: NodeJS.ProcessEnv, stack: Stack | null): DeploymentAddresses | null {
  const deploymentPath = env.NEUROLEDGER_DEPLOYMENT ?? stack?.chain.deploymentFile;
  if (deploymentPath) return readDeployment(deploymentPath);
  if (!stack) return null;
  const { contracts } = stack.chain;
  return {
    chainId: stack.chain.chainId,
    deployBlock: 0,
    contracts,
    tasks: [{ task: BINARY_TASK, registry: contracts.registry }],
  };
}

/** The chain as the browser sees it: RPC through this server's `/rpc` proxy unless told otherwise. */
function appChain(env: NodeJS.ProcessEnv, chainId: number): ServerConfig["app"]["chain"] {
  return {
    id: chainId,
    name: chainId === 31337 ? "NeuroLedger (local)" : `NeuroLedger ${chainId}`,
    rpcUrl: "/rpc",
    walletRpcUrl: env.NEUROLEDGER_WALLET_RPC_URL || "/rpc",
    explorerUrl: env.NEUROLEDGER_EXPLORER_URL ?? null,
  };
}

/**
 * Gateway URL by lower-case institution account: the stack's nodes, the first one as `default`,
 * then NEUROLEDGER_GATEWAYS (JSON) over both.
 */
function gatewaysOf(env: NodeJS.ProcessEnv, stack: Stack | null): Record<string, string> {
  const stackGateways = Object.fromEntries(
    (stack?.institutions ?? []).map((i) => [i.account.toLowerCase(), i.ipfs.gatewayUrl]),
  );
  const firstGateway = stack?.institutions[0]?.ipfs.gatewayUrl;
  return {
    ...stackGateways,
    ...(firstGateway ? { default: firstGateway } : {}),
    ...parseGateways(env.NEUROLEDGER_GATEWAYS),
  };
}
