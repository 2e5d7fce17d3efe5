import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Address } from "viem";
import { normalizeAccounts, readPermissionsFile, renderPermissions } from "./permissionsFile.ts";

/**
 * Replaces the accounts allowlist of a permissions file, keeping its nodes allowlist (a new file
 * gets an empty one). Written to a temporary file and renamed, so Besu never reads half a file.
 */
export async function writeAccountsAllowlist(
  path: string,
  accounts: readonly Address[],
): Promise<Address[]> {
  const existing = await readPermissionsFile(path);
  const accountsAllowlist = normalizeAccounts(accounts);
  const content = renderPermissions({
    accountsAllowlist,
    nodesAllowlist: existing?.nodesAllowlist ?? [],
  });
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o644 });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
  return accountsAllowlist;
}
