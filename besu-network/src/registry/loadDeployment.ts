import { readFile } from "node:fs/promises";
import { type Deployment, parseDeployment } from "@neuroledger/chain";
import { readDeployment } from "@neuroledger/chain/deployment";
import type { PublicClient } from "viem";
import { InvalidInputError } from "../errors.ts";

/**
 * The deployment of the chain behind `client`: the given file, or the chain package's
 * `deployments/<chainId>.json`. Refuses a deployment made on another chain.
 */
export async function loadDeployment(client: PublicClient, file?: string): Promise<Deployment> {
  const chainId = await client.getChainId();
  if (file === undefined) {
    try {
      return readDeployment(chainId);
    } catch (cause) {
      throw new InvalidInputError((cause as Error).message, {
        hint: "Or pass --deployment <file>.",
        cause,
      });
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new InvalidInputError(
      `Cannot read the deployment file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let deployment: Deployment;
  try {
    deployment = parseDeployment(json, file);
  } catch (cause) {
    throw new InvalidInputError((cause as Error).message, { cause });
  }
  if (deployment.chainId !== chainId) {
    throw new InvalidInputError(
      `${file} is a deployment on chain ${deployment.chainId}, but the RPC serves chain ${chainId}`,
    );
  }
  return deployment;
}
