import { readFile } from "node:fs/promises";
import { parse, stringify } from "smol-toml";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { parseEnode } from "./enode.ts";
import { InvalidInputError } from "./errors.ts";

/** Besu's local permissions file: who may connect (enodes) and who may transact (accounts). */
export type Permissions = {
  accountsAllowlist: Address[];
  nodesAllowlist: string[];
};

const HEADER = [
  "# Besu local permissioning (permissions_config.toml).",
  "# accounts-allowlist: accounts whose transactions this node accepts. Kept in step with the",
  "#   consortium's members and staff by `pnpm -C besu-network sync-allowlist`.",
  "# nodes-allowlist: enode URLs this node may connect to (must include the bootnodes).",
  "",
].join("\n");

/** Sorted, de-duplicated, lower-case: Besu compares addresses without case, and diffs stay small. */
export function normalizeAccounts(accounts: Iterable<string>): Address[] {
  const unique = new Set<string>();
  for (const account of accounts) {
    if (!isAddress(account, { strict: false })) {
      throw new InvalidInputError(`Not an account address: ${account}`);
    }
    unique.add(account.toLowerCase());
  }
  return [...unique].sort() as Address[];
}

export function renderPermissions(permissions: Permissions): string {
  return `${HEADER}${stringify({
    "accounts-allowlist": normalizeAccounts(permissions.accountsAllowlist),
    "nodes-allowlist": permissions.nodesAllowlist,
  })}\n`;
}

const permissionsSchema = z.object({
  "accounts-allowlist": z.array(z.string()).default([]),
  "nodes-allowlist": z.array(z.string()).default([]),
});

export function parsePermissions(text: string, source = "permissions file"): Permissions {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${source} is not valid TOML`, { cause });
  }
  const parsed = permissionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidInputError(
      `${source} is not a Besu permissions file:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const nodes = parsed.data["nodes-allowlist"];
  for (const enode of nodes) parseEnode(enode);
  return {
    accountsAllowlist: parsed.data["accounts-allowlist"].map((a) => {
      if (!isAddress(a, { strict: false }))
        throw new InvalidInputError(`${source}: not an account address: ${a}`);
      return getAddress(a);
    }),
    nodesAllowlist: nodes,
  };
}

/** Reads a permissions file, or returns `undefined` when there is none yet. */
export async function readPermissionsFile(path: string): Promise<Permissions | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parsePermissions(text, path);
}
