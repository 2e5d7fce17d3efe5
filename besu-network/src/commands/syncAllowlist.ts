import { type Address, createPublicClient, http } from "viem";
import { InvalidInputError } from "../errors.ts";
import {
  type ApplyAccountsAllowlistReturnType,
  applyAccountsAllowlist,
} from "../perm/applyAccountsAllowlist.ts";
import { createPermClient } from "../perm/permClient.ts";
import { normalizeAccounts } from "../permissionsFile.ts";
import { writeAccountsAllowlist } from "../permissionsWrite.ts";
import { loadDeployment } from "../registry/loadDeployment.ts";
import { readConsortiumAccounts } from "../registry/readConsortiumAccounts.ts";

export type SyncAllowlistParameters = {
  /** JSON-RPC of the chain that holds the registry. */
  rpcUrl: string;
  /** The permissions_config.toml to write; its nodes allowlist is kept. */
  out: string;
  /** Deployment file; by default the chain package's `deployments/<chainId>.json`. */
  deploymentFile?: string | undefined;
  /** Besu nodes (JSON-RPC with the PERM API) to apply the allowlist to. */
  adminRpcUrls?: readonly string[];
  /** Accounts that stay allowed whatever the registry says (the deployer, an operator). */
  keep?: readonly string[];
  timeoutMs?: number;
};

export type SyncAllowlistReturnType = {
  accounts: Address[];
  members: Address[];
  staff: Address[];
  applied: ApplyAccountsAllowlistReturnType[];
};

/**
 * Makes the accounts allowlist follow the consortium: the accounts of the current member
 * institutions and their staff (plus `keep`). Writes it to `out`, then applies it to each admin
 * RPC, so an account removed from the consortium loses the right to transact at the next sync.
 *
 * @example
 * await syncAllowlist({ rpcUrl: "http://127.0.0.1:8549", out: "network/nodes/rpc-1/permissions_config.toml",
 *   adminRpcUrls: ["http://127.0.0.1:8545"] });
 */
export async function syncAllowlist(
  parameters: SyncAllowlistParameters,
): Promise<SyncAllowlistReturnType> {
  const timeoutMs = parameters.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new InvalidInputError("--timeout must be a positive number of milliseconds");
  const keep = normalizeAccounts(parameters.keep ?? []);
  const client = createPublicClient({ transport: http(parameters.rpcUrl, { timeout: timeoutMs }) });
  const deployment = await loadDeployment(client, parameters.deploymentFile);
  const { members, staff } = await readConsortiumAccounts(client, deployment);
  const accounts = await writeAccountsAllowlist(parameters.out, [...members, ...staff, ...keep]);
  const applied: ApplyAccountsAllowlistReturnType[] = [];
  for (const url of parameters.adminRpcUrls ?? []) {
    applied.push(await applyAccountsAllowlist(createPermClient(url, { timeoutMs }), accounts));
  }
  return { accounts, members, staff, applied };
}
