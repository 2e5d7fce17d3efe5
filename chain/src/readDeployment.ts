// Node-only: reads chain/deployments/<chainId>.json (exported as "@neuroledger/chain/deployment").
// Every package that needs a deployment loads it here, so the file has one reader and one schema.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Deployment, parseDeployment } from "./schemas/deployment.ts";

/** chain/deployments, where `pnpm -C chain deploy` writes. */
export const DEFAULT_DEPLOYMENTS_DIR = fileURLToPath(new URL("../deployments/", import.meta.url));

/** The path of a chain's deployment file. */
export function deploymentPath(chainId: number, dir: string = DEFAULT_DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

export interface LoadDeploymentParameters {
  /** The chain the caller talks to; a file for another chain is refused. Omit to accept any (needs `file`). */
  chainId?: number;
  /** A deployment file to read (e.g. `--deployment`); default `<dir>/<chainId>.json`. */
  file?: string;
  /** Where `<chainId>.json` files live when no `file` is given; default chain/deployments. */
  dir?: string;
}

export type LoadDeploymentReturnType = Deployment;

/**
 * Reads and checks a deployment file: the given `file`, or `<dir>/<chainId>.json`.
 * @throws Error when the file is missing, is not JSON, has a bad field (named), or is for another
 *   chain than `chainId`; the message names the file.
 * @example
 * const { contracts } = loadDeployment({ chainId: 31337 }); contracts.registry.address
 * loadDeployment({ chainId: await client.getChainId(), file: "prod.json" })
 */
export function loadDeployment(parameters: LoadDeploymentParameters): LoadDeploymentReturnType {
  const { chainId, file, dir = DEFAULT_DEPLOYMENTS_DIR } = parameters;
  let path: string;
  if (file !== undefined) path = file;
  else if (chainId !== undefined) path = deploymentPath(chainId, dir);
  else throw new Error("loadDeployment needs a chain id or a file");
  if (!existsSync(path)) {
    throw new Error(
      file === undefined
        ? `No deployment for chain ${chainId} at ${path}. Deploy first: pnpm -C chain deploy --rpc <url> [--dev]`
        : `Deployment file ${path} does not exist`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new Error(`Deployment file ${path} is not valid JSON`, { cause });
  }
  const deployment = parseDeployment(json, path);
  if (chainId !== undefined && deployment.chainId !== chainId) {
    throw new Error(`Deployment file ${path} is for chain ${deployment.chainId}, not ${chainId}`);
  }
  return deployment;
}

/**
 * Reads and checks the deployment of `chainId` from `dir` (`loadDeployment({ chainId, dir })`).
 * @example const { contracts } = readDeployment(31337); contracts.registry.address
 */
export function readDeployment(chainId: number, dir: string = DEFAULT_DEPLOYMENTS_DIR): Deployment {
  return loadDeployment({ chainId, dir });
}

export type { Deployment, DeploymentTask } from "./schemas/deployment.ts";
export { deploymentTasks, taskRegistry } from "./schemas/deployment.ts";
