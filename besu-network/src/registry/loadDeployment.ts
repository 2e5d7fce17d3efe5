import {
  type Deployment,
  loadDeployment as loadDeploymentFile,
} from "@neuroledger/chain/deployment";
import type { PublicClient } from "viem";
import { InvalidInputError } from "../errors.ts";

/**
 * The deployment of the chain behind `client`: the given file, or the chain package's
 * `deployments/<chainId>.json` (read and checked by `@neuroledger/chain`'s `loadDeployment`).
 * Refuses a deployment made on another chain.
 */
export async function loadDeployment(client: PublicClient, file?: string): Promise<Deployment> {
  const chainId = await client.getChainId();
  let deployment: Deployment;
  try {
    deployment = loadDeploymentFile(file === undefined ? { chainId } : { file });
  } catch (cause) {
    throw new InvalidInputError((cause as Error).message, {
      hint: file === undefined ? "Or pass --deployment <file>." : undefined,
      cause,
    });
  }
  if (deployment.chainId !== chainId) {
    throw new InvalidInputError(
      `${file} is a deployment on chain ${deployment.chainId}, but the RPC serves chain ${chainId}`,
    );
  }
  return deployment;
}
