import type { Address } from "viem";
import { PermRpcError } from "../errors.ts";
import { normalizeAccounts } from "../permissionsFile.ts";
import type { PermClient } from "./permClient.ts";

export type ApplyAccountsAllowlistReturnType = {
  rpcUrl: string;
  added: Address[];
  removed: Address[];
};

/**
 * Makes a node's accounts allowlist equal to `desired`: adds what is missing, removes what is
 * extra (Besu rejects adding a present account or removing an absent one, so only the
 * difference is sent), then reads the list back to confirm.
 */
export async function applyAccountsAllowlist(
  client: PermClient,
  desired: readonly Address[],
): Promise<ApplyAccountsAllowlistReturnType> {
  const target = normalizeAccounts(desired);
  const current = await client.getAccountsAllowlist();
  const added = target.filter((a) => !current.includes(a));
  const removed = current.filter((a) => !target.includes(a));
  if (added.length > 0) await client.addAccountsToAllowlist(added);
  if (removed.length > 0) await client.removeAccountsFromAllowlist(removed);
  const after = await client.getAccountsAllowlist();
  if (after.join() !== target.join()) {
    throw new PermRpcError(`The accounts allowlist of ${client.url} did not take the update`, {
      hint: `Expected ${target.length} accounts, the node lists ${after.length}.`,
    });
  }
  return { rpcUrl: client.url, added, removed };
}
