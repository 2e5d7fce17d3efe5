// Idempotent deployment: reuse chain/deployments/<chainId>.json when its contracts are live on the
// chain, deploy (and write the file) otherwise.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Address, createPublicClient, type Transport } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";
import { DEFAULT_DEPLOYMENTS_DIR, deploymentPath, readDeployment } from "../readDeployment.ts";
import type { Deployment } from "../schemas/deployment.ts";
import { type DeployConsortiumParameters, deployConsortium } from "./deployConsortium.ts";

export interface EnsureDeploymentParameters extends DeployConsortiumParameters {
  /** Where <chainId>.json lives; chain/deployments by default. */
  dir?: string;
  /** Deploy again even when the recorded contracts are live. */
  force?: boolean;
}

export interface EnsureDeploymentReturnType {
  deployment: Deployment;
  path: string;
  /** True when the recorded deployment was live and nothing was sent. */
  reused: boolean;
}

async function isLive(transport: Transport, deployment: Deployment): Promise<boolean> {
  const client = createPublicClient({ transport });
  const addresses: Address[] = [
    deployment.contracts.membership,
    deployment.contracts.governor,
    deployment.contracts.timelock,
    deployment.contracts.registry.address,
  ];
  for (const address of addresses) {
    const code = await client.getCode({ address });
    if (!code || code === "0x") return false;
  }
  const membership = await client.readContract({
    address: deployment.contracts.registry.address,
    abi: modelRegistryAbi,
    functionName: "membership",
  });
  return membership.toLowerCase() === deployment.contracts.membership.toLowerCase();
}

/**
 * Deploys unless the chain already has the recorded deployment; writes the file atomically.
 * @example const { deployment, reused } = await ensureDeployment({ transport: http(url), deployer, dev: true });
 */
export async function ensureDeployment(
  options: EnsureDeploymentParameters,
): Promise<EnsureDeploymentReturnType> {
  const { transport, dir = DEFAULT_DEPLOYMENTS_DIR, force = false, log = () => {} } = options;
  const chainId = await createPublicClient({ transport }).getChainId();
  const path = deploymentPath(chainId, dir);
  if (existsSync(path) && !force) {
    const recorded = readDeployment(chainId, dir);
    if (await isLive(transport, recorded)) {
      if (options.dev && !recorded.dev)
        log("note: the recorded deployment has no dev consortium (use --force)");
      return { deployment: recorded, path, reused: true };
    }
    log(`${path} names contracts this chain does not have (a fresh node?): deploying again`);
  }
  const deployment = await deployConsortium(options);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(temporary, path);
  return { deployment, path, reused: false };
}
