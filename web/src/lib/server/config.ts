import { readFileSync } from "node:fs";
import type { AppConfig } from "../config.ts";

/**
 * Server-side view of the stack: where the chain node and the indexer really are (the page
 * reaches both through this server, same origin, so cross-origin isolation never blocks them).
 *
 * Read from the environment, set by `neuroledger up` or by the tests:
 * - NEUROLEDGER_RPC_URL         chain JSON-RPC (default http://127.0.0.1:8545)
 * - NEUROLEDGER_CHAIN_ID        chain id (default 31337)
 * - NEUROLEDGER_DEPLOYMENT      path to chain/deployments/<chainId>.json
 * - NEUROLEDGER_INDEXER_URL     indexer base URL (optional)
 * - NEUROLEDGER_GATEWAYS        JSON object: institution address -> trustless gateway URL
 * - NEUROLEDGER_EXPLORER_URL    block explorer base URL (optional)
 */
export interface ServerConfig {
  upstreamRpcUrl: string;
  upstreamIndexerUrl: string | null;
  app: AppConfig;
}

interface DeploymentFile {
  chainId: number;
  deployBlock?: number;
  contracts: {
    membership: `0x${string}`;
    governor: `0x${string}`;
    timelock: `0x${string}`;
    registry: { address: `0x${string}` } | `0x${string}`;
  };
}

function readDeployment(path: string): DeploymentFile {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as DeploymentFile;
  } catch (cause) {
    throw new Error(`NEUROLEDGER_DEPLOYMENT: cannot read the deployment file ${path}`, { cause });
  }
}

function parseGateways(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, string>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
}

export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const upstreamRpcUrl = env.NEUROLEDGER_RPC_URL ?? "http://127.0.0.1:8545";
  const deployment = env.NEUROLEDGER_DEPLOYMENT ? readDeployment(env.NEUROLEDGER_DEPLOYMENT) : null;
  const chainId = Number(env.NEUROLEDGER_CHAIN_ID ?? deployment?.chainId ?? 31337);
  const registry = deployment?.contracts.registry;
  return {
    upstreamRpcUrl,
    upstreamIndexerUrl: env.NEUROLEDGER_INDEXER_URL ?? null,
    app: {
      chain: {
        id: chainId,
        name: chainId === 31337 ? "NeuroLedger (local)" : `NeuroLedger ${chainId}`,
        rpcUrl: "/rpc",
        walletRpcUrl: upstreamRpcUrl,
        explorerUrl: env.NEUROLEDGER_EXPLORER_URL ?? null,
      },
      contracts: deployment
        ? {
            membership: deployment.contracts.membership,
            governor: deployment.contracts.governor,
            timelock: deployment.contracts.timelock,
            registry: typeof registry === "string" ? registry : (registry?.address ?? "0x"),
          }
        : null,
      deployBlock: deployment?.deployBlock ?? 0,
      indexerUrl: env.NEUROLEDGER_INDEXER_URL ? "/indexer" : null,
      gateways: parseGateways(env.NEUROLEDGER_GATEWAYS),
    },
  };
}
