import { type Address, createPublicClient, http, BaseError as ViemError } from "viem";
import { z } from "zod";
import { BesuNetworkError, InvalidInputError } from "../errors.ts";
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

const parametersSchema = z.object({
  rpcUrl: z.url({ protocol: /^https?$/, error: "--rpc must be an http(s) URL" }),
  adminRpcUrls: z
    .array(z.url({ protocol: /^https?$/, error: "--admin-rpc must be an http(s) URL" }))
    .default([]),
  timeoutMs: z
    .number({ error: "--timeout must be a positive number of milliseconds" })
    .int()
    .positive({ error: "--timeout must be a positive number of milliseconds" })
    .default(10_000),
  out: z.string().min(1, { error: "--out names the permissions file to write" }),
});

function parseParameters(parameters: SyncAllowlistParameters) {
  const parsed = parametersSchema.safeParse(parameters);
  if (!parsed.success) {
    throw new InvalidInputError(parsed.error.issues.map((issue) => issue.message).join("; "));
  }
  return parsed.data;
}

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
  const { timeoutMs, rpcUrl, adminRpcUrls, out } = parseParameters(parameters);
  const keep = normalizeAccounts(parameters.keep ?? []);
  const client = createPublicClient({
    transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }),
  });
  let members: Address[];
  let staff: Address[];
  try {
    const deployment = await loadDeployment(client, parameters.deploymentFile);
    ({ members, staff } = await readConsortiumAccounts(client, deployment));
  } catch (error) {
    if (!(error instanceof ViemError)) throw error;
    // Nothing is written when the consortium cannot be read: an empty list would lock everyone out.
    throw new BesuNetworkError(`Cannot read the consortium from ${rpcUrl}: ${error.shortMessage}`, {
      hint:
        error.details ||
        "Is the node running, and is this the chain the contracts are deployed on?",
      cause: error,
    });
  }
  const accounts = await writeAccountsAllowlist(out, [...members, ...staff, ...keep]);
  const applied: ApplyAccountsAllowlistReturnType[] = [];
  for (const url of adminRpcUrls) {
    applied.push(await applyAccountsAllowlist(createPermClient(url, { timeoutMs }), accounts));
  }
  return { accounts, members, staff, applied };
}
