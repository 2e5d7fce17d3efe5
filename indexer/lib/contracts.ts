import { readFileSync } from "node:fs";
import * as chain from "@neuroledger/chain";
import { readDeployment } from "@neuroledger/chain/deployment";
import { type Address, getAddress, type Hex, keccak256, toBytes } from "viem";
import { z } from "zod";

// The one place that knows the chain package's export names: ABIs, role ids and deployments come
// from there (generated from the build), never pasted here.

export const registryAbi = chain.modelRegistryAbi;
export const membershipAbi = chain.membershipAbi;
export const governorAbi = chain.consortiumGovernorAbi;
export const timelockAbi = chain.consortiumTimelockAbi;

const addressOrObject = z
  .union([z.string(), z.object({ address: z.string() })])
  .transform((v) => getAddress(typeof v === "string" ? v : v.address));

const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  deployBlock: z.number().int().min(0),
  contracts: z.object({
    membership: addressOrObject,
    governor: addressOrObject,
    timelock: addressOrObject,
    registry: addressOrObject,
  }),
});

export type IndexedDeployment = {
  chainId: number;
  startBlock: number;
  addresses: { membership: Address; governor: Address; timelock: Address; registry: Address };
};

/**
 * Where to index from: `file` (a deployment JSON, docs/interfaces.md section 5) or the chain
 * package's `deployments/<chainId>.json`.
 */
export function loadDeployment(chainId: number, file?: string): IndexedDeployment {
  const raw: unknown = file ? JSON.parse(readFileSync(file, "utf8")) : readDeployment(chainId);
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Deployment ${file ?? `for chain ${chainId}`} is not usable: ${parsed.error.issues
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`,
    );
  }
  if (parsed.data.chainId !== chainId) {
    throw new Error(`Deployment ${file ?? ""} is for chain ${parsed.data.chainId}, not ${chainId}`);
  }
  return {
    chainId,
    startBlock: parsed.data.deployBlock,
    addresses: parsed.data.contracts,
  };
}

/** Role id -> name, for the roles the chain package declares (plus DEFAULT_ADMIN_ROLE = 0x00..). */
export const roleNames: ReadonlyMap<Hex, string> = new Map<Hex, string>([
  [`0x${"00".repeat(32)}`, "DEFAULT_ADMIN_ROLE"],
  ...Object.entries(chain.roles as Record<string, Hex>).map(
    ([name, id]) =>
      [id.toLowerCase() as Hex, name.endsWith("_ROLE") ? name : `${name}_ROLE`] as const,
  ),
]);

export const roleName = (id: Hex) => roleNames.get(id.toLowerCase() as Hex) ?? id;

/** keccak256 of a role name, to check the chain package's role ids against the convention. */
export const roleId = (name: string) => keccak256(toBytes(name));
