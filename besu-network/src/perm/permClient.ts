import { type Address, createClient, http } from "viem";
import { z } from "zod";
import { PermRpcError } from "../errors.ts";
import { normalizeAccounts } from "../permissionsFile.ts";

/** The PERM JSON-RPC methods of a Besu node with local permissioning (`--rpc-http-api=...,PERM`). */
export type PermClient = {
  url: string;
  getAccountsAllowlist(): Promise<Address[]>;
  addAccountsToAllowlist(accounts: readonly Address[]): Promise<void>;
  removeAccountsFromAllowlist(accounts: readonly Address[]): Promise<void>;
  getNodesAllowlist(): Promise<string[]>;
  addNodesToAllowlist(enodes: readonly string[]): Promise<void>;
  removeNodesFromAllowlist(enodes: readonly string[]): Promise<void>;
  reloadPermissionsFromFile(): Promise<void>;
};

const success = z.literal("Success");
const addresses = z.array(z.string());
const enodes = z.array(z.string());

/** A client for one node's PERM API. Calls are not retried: a failed change is reported, not repeated. */
export function createPermClient(url: string, { timeoutMs = 10_000 } = {}): PermClient {
  const client = createClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0 }) });
  const request = client.request as unknown as (args: {
    method: string;
    params: unknown[];
  }) => Promise<unknown>;

  async function call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    let result: unknown;
    try {
      result = await request({ method, params });
    } catch (cause) {
      const detail =
        (cause as { details?: string; shortMessage?: string }).details ?? (cause as Error).message;
      throw new PermRpcError(`${method} failed on ${url}: ${detail}`, {
        hint: "Is the node started with PERM in rpc-http-api and local permissioning enabled?",
        cause,
      });
    }
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      throw new PermRpcError(
        `${method} on ${url} answered ${JSON.stringify(result)}, not what Besu answers`,
      );
    }
    return parsed.data;
  }

  return {
    url,
    getAccountsAllowlist: async () =>
      normalizeAccounts(await call("perm_getAccountsAllowlist", [], addresses)),
    addAccountsToAllowlist: async (accounts) =>
      void (await call("perm_addAccountsToAllowlist", [accounts], success)),
    removeAccountsFromAllowlist: async (accounts) =>
      void (await call("perm_removeAccountsFromAllowlist", [accounts], success)),
    getNodesAllowlist: () => call("perm_getNodesAllowlist", [], enodes),
    addNodesToAllowlist: async (list) =>
      void (await call("perm_addNodesToAllowlist", [list], success)),
    removeNodesFromAllowlist: async (list) =>
      void (await call("perm_removeNodesFromAllowlist", [list], success)),
    reloadPermissionsFromFile: async () =>
      void (await call("perm_reloadPermissionsFromFile", [], success)),
  };
}
