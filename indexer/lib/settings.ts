import { z } from "zod";

/**
 * Everything the indexer reads from its environment, validated once. Both `ponder.config.ts`
 * (indexing side) and the API (serving side) read these, so one process is configured by one env.
 */
const envSchema = z.object({
  NEUROLEDGER_RPC_URL: z.url().default("http://127.0.0.1:8545"),
  NEUROLEDGER_CHAIN_ID: z.coerce.number().int().positive().default(31337),
  /** Path to a deployment file (docs/interfaces.md section 5); default: the chain package's. */
  NEUROLEDGER_DEPLOYMENT: z.string().min(1).optional(),
  /** PostgreSQL connection string; without it the embedded PGlite is used. */
  DATABASE_URL: z.string().min(1).optional(),
  NEUROLEDGER_PGLITE_DIR: z.string().min(1).default(".ponder/pglite"),
  /** QBFT (the consortium chain) is final at once; a local dev node does not reorganise either. */
  NEUROLEDGER_FINALITY_BLOCKS: z.coerce.number().int().min(0).default(0),
  NEUROLEDGER_POLLING_MS: z.coerce.number().int().min(100).default(250),
  /** `open`: no sign-in (the embedded dev stack); `siwe`: Sign-In with Ethereum and a role. */
  NEUROLEDGER_INDEXER_AUTH: z.enum(["open", "siwe"]).default("siwe"),
  /** HMAC key for session tokens (hex, >= 32 bytes); default: random per process. */
  NEUROLEDGER_SESSION_SECRET: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64,}$/, "must be at least 32 bytes of hex")
    .optional(),
  NEUROLEDGER_SESSION_TTL_S: z.coerce.number().int().min(1).default(3600),
  NEUROLEDGER_ROLE_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  /** The SIWE `domain` the API accepts; default: the request's Host header. */
  NEUROLEDGER_SIWE_DOMAIN: z.string().min(1).optional(),
});

export type Settings = z.infer<typeof envSchema>;

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid indexer environment:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
