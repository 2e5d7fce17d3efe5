// `stack.json`: what `neuroledger up` started, machine-readable (docs/interfaces.md section 9).
// `neuroledger up` writes it (default `.neuroledger/stack.json`) once everything is up and removes
// it when it stops; the cli, the web server and the tests read it. One schema, here; types by z.infer.
import { z } from "zod";
import { addressSchema, describeIssues } from "./primitives.ts";
import { taskNameSchema } from "./taskName.ts";

const privateKeySchema = z.custom<`0x${string}`>(
  (value) => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value),
  "an 0x-prefixed 32-byte private key",
);

/** A dev account of the stack (public test keys; never for a real network). */
export const stackAccountSchema = z.object({
  /** e.g. "institution-1", "publisher", "outsider". */
  name: z.string(),
  address: addressSchema,
  privateKey: privateKeySchema,
  /** What the account is in the dev consortium: member institution, publisher, staff, none. */
  role: z.enum(["member", "publisher", "staff", "none"]),
  /** The institution (by name) the account belongs to, if any. */
  institution: z.string().optional(),
});
export type StackAccount = z.infer<typeof stackAccountSchema>;

/** A member institution of the stack and its Helia node. */
export const stackInstitutionSchema = z.object({
  name: z.string(),
  /** The member account that holds the institution's membership token. */
  account: addressSchema,
  ipfs: z.object({
    peerId: z.string(),
    multiaddrs: z.array(z.string()),
    /** Trustless gateway (`/ipfs/<cid>?format=raw|car`) and local control API (`/api/...`). */
    gatewayUrl: z.url(),
    dataDir: z.string(),
    pid: z.number().int().optional(),
  }),
});
export type StackInstitution = z.infer<typeof stackInstitutionSchema>;

/** An extra service (indexer, web, ...): a `url`, maybe a `pid`, and keys of its own. */
export const stackServiceSchema = z.looseObject({
  url: z.url(),
  pid: z.number().int().optional(),
});
export type StackService = z.infer<typeof stackServiceSchema>;

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
      membership: addressSchema,
      governor: addressSchema,
      timelock: addressSchema,
      /** The first task's registry (docs/interfaces.md section 14). */
      registry: addressSchema,
      /** The TaskDirectory; absent for a deployment made before tasks. */
      taskDirectory: addressSchema.optional(),
      /** Every task's registry, in directory order (first = `registry`). */
      tasks: z.array(z.object({ task: taskNameSchema, registry: addressSchema })).optional(),
    }),
  }),
  institutions: z.array(stackInstitutionSchema),
  accounts: z.array(stackAccountSchema),
  /** Models `up` published (a demo model per task). Ids restart at 1 in every task's registry. */
  models: z.array(
    z.object({
      /** The model's task (absent in files written before tasks: the first task). */
      task: taskNameSchema.optional(),
      id: z.string(),
      name: z.string(),
      cid: z.string(),
      keyringCid: z.string(),
      sha256: z.string(),
    }),
  ),
  /** Extra services (indexer, web, ...): each module in `up`'s list adds its entry. */
  services: z.record(z.string(), stackServiceSchema),
});
export type Stack = z.infer<typeof stackSchema>;

/**
 * Checks a parsed `stack.json` and returns it typed.
 * @param json the file's parsed JSON
 * @param source what to name in errors (the file path)
 * @throws Error `stack file <source> is malformed: (<source>: <field>): <problem>; ...`
 * @example parseStack(JSON.parse(readFileSync(".neuroledger/stack.json", "utf8"))).chain.rpcUrl
 */
export function parseStack(json: unknown, source = "stack.json"): Stack {
  const parsed = stackSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`stack file ${source} is malformed: ${describeIssues(source, parsed.error)}`);
  }
  return parsed.data;
}
