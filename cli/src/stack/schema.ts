import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

/**
 * `stack.json`: what `neuroledger up` started, machine-readable. Written to the data dir
 * (default `.neuroledger/stack.json`) once everything is up, removed when it stops.
 *
 * Other packages extend it by adding an entry under `services` (e.g. `services.indexer`,
 * `services.web`): every entry has a `url`, and may carry more keys of its own.
 */
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "an 0x-prefixed 32-byte private key");

export const devAccountSchema = z.object({
  /** e.g. "institution-1", "publisher", "outsider". */
  name: z.string(),
  address,
  privateKey,
  /** What the account is in the dev consortium: member institution, publisher, staff, none. */
  role: z.enum(["member", "publisher", "staff", "none"]),
  /** The institution (by name) the account belongs to, if any. */
  institution: z.string().optional(),
});
export type DevAccount = z.infer<typeof devAccountSchema>;

export const institutionSchema = z.object({
  name: z.string(),
  /** The member account that holds the institution's membership token. */
  account: address,
  /** Its Helia node. */
  ipfs: z.object({
    peerId: z.string(),
    multiaddrs: z.array(z.string()),
    /** Trustless gateway (`/ipfs/<cid>?format=raw|car`) and local control API (`/api/...`). */
    gatewayUrl: z.url(),
    dataDir: z.string(),
    pid: z.number().int().optional(),
  }),
});
export type Institution = z.infer<typeof institutionSchema>;

export const serviceSchema = z.looseObject({ url: z.url(), pid: z.number().int().optional() });

export const stackSchema = z.object({
  schema: z.literal("neuroledger.stack/1"),
  dataDir: z.string(),
  startedAt: z.iso.datetime(),
  /** Process id of `neuroledger up`; SIGINT/SIGTERM to it stops the whole stack. */
  pid: z.number().int(),
  chain: z.object({
    rpcUrl: z.url(),
    chainId: z.number().int(),
    /** Path of the deployment file (`chain/deployments/<chainId>.json`). */
    deploymentFile: z.string(),
    contracts: z.object({
      membership: address,
      governor: address,
      timelock: address,
      registry: address,
    }),
  }),
  institutions: z.array(institutionSchema),
  accounts: z.array(devAccountSchema),
  /** Models `up` published (the demo model). */
  models: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      cid: z.string(),
      keyringCid: z.string(),
      sha256: z.string(),
    }),
  ),
  /** Extra services (indexer, web, ...): each one small module in `up`'s list adds its entry. */
  services: z.record(z.string(), serviceSchema),
});
export type Stack = z.infer<typeof stackSchema>;

export async function readStack(file: string): Promise<Stack> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read stack file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = stackSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`stack file ${file} is malformed: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Writes atomically (temp file + rename) so readers never see half a file. */
export async function writeStack(file: string, stack: Stack): Promise<void> {
  const checked = stackSchema.parse(stack);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checked, null, 2)}\n`);
  await rename(tmp, file);
}
