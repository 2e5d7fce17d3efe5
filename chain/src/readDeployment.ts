// Node-only: reads chain/deployments/<chainId>.json (exported as "@neuroledger/chain/deployment").
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Deployment, parseDeployment } from "./deployment.ts";

/** chain/deployments, where `pnpm -C chain deploy` writes. */
export const DEFAULT_DEPLOYMENTS_DIR = fileURLToPath(new URL("../deployments/", import.meta.url));

/** The path of a chain's deployment file. */
export function deploymentPath(chainId: number, dir: string = DEFAULT_DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

/**
 * Reads and checks the deployment of `chainId`.
 * @example const { contracts } = readDeployment(31337); contracts.registry.address
 */
export function readDeployment(chainId: number, dir: string = DEFAULT_DEPLOYMENTS_DIR): Deployment {
  const path = deploymentPath(chainId, dir);
  if (!existsSync(path)) {
    throw new Error(
      `No deployment for chain ${chainId} at ${path}. Deploy first: pnpm -C chain deploy --rpc <url> [--dev]`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new Error(`Deployment file ${path} is not valid JSON`, { cause });
  }
  const deployment = parseDeployment(json, path);
  if (deployment.chainId !== chainId) {
    throw new Error(`Deployment file ${path} is for chain ${deployment.chainId}, not ${chainId}`);
  }
  return deployment;
}

export type { Deployment } from "./deployment.ts";
