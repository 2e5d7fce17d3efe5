import { z } from "zod";

/** Chain ids of local development nodes (anvil, Hardhat): they can reorganise at will. */
export const DEV_CHAIN_IDS: readonly number[] = [31337, 1337];
/** Blocks to finality on a dev node when none is configured: deeper than any reorg a test makes. */
export const DEV_FINALITY_BLOCKS = 16;

/**
 * Everything the indexer reads from its environment, validated once. Both `ponder.config.ts`
 * (indexing side) and the API (serving side) read these, so one process is configured by one env.
 */
const envSchema = z
  .object({
    NEUROLEDGER_RPC_URL: z.url().default("http://127.0.0.1:8545"),
    NEUROLEDGER_CHAIN_ID: z.coerce.number().int().positive().default(31337),
    /** Path to a deployment file (docs/interfaces.md section 5); default: the chain package's. */
    NEUROLEDGER_DEPLOYMENT: z.string().min(1).optional(),
    /** PostgreSQL connection string; without it the embedded PGlite is used. */
    DATABASE_URL: z.string().min(1).optional(),
    NEUROLEDGER_PGLITE_DIR: z.string().min(1).default(".ponder/pglite"),
    /**
     * Blocks after which a block cannot be reorganised away. QBFT (the consortium chain): 0, final
     * when sealed. Unset: 16 on a dev node (31337, 1337), else Ponder's own figure for the chain
     * id (30 for one it does not know).
     */
    NEUROLEDGER_FINALITY_BLOCKS: z.coerce.number().int().min(0).max(10_000).optional(),
    NEUROLEDGER_POLLING_MS: z.coerce.number().int().min(100).default(250),
    /** `/health` and `/ready` answer 503 when the indexed block has not moved for this long while the chain has. */
    NEUROLEDGER_STALL_MS: z.coerce.number().int().min(1000).default(30_000),
    /** `open`: no sign-in (the embedded dev stack); `siwe`: Sign-In with Ethereum and a role. */
    NEUROLEDGER_INDEXER_AUTH: z.enum(["open", "siwe"]).default("siwe"),
    /** HMAC key for session tokens and nonces (hex, >= 32 bytes); default: random per process. */
    NEUROLEDGER_SESSION_SECRET: z
      .string()
      .regex(/^(0x)?[0-9a-fA-F]{64,}$/, "must be at least 32 bytes of hex")
      .optional(),
    NEUROLEDGER_SESSION_TTL_S: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(3600),
    NEUROLEDGER_ROLE_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
    /**
     * The SIWE `domain` (host[:port] the user sees, RFC 3986 authority) the API accepts. Required
     * with `siwe`; never taken from the request.
     */
    NEUROLEDGER_SIWE_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, "expected host[:port]")
      .optional(),
    /** The origin signed messages must name as `URI` (e.g. https://audit.example); default: http(s)://<domain>. */
    NEUROLEDGER_SIWE_URI: z.url({ protocol: /^https?$/ }).optional(),
    /** Most rows one GraphQL request may touch (page sizes multiplied along nesting). */
    NEUROLEDGER_GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(10_000),
    NEUROLEDGER_GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).default(10),
    NEUROLEDGER_GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(10),
    /** Most planner cost (PostgreSQL units) one SQL-over-HTTP query may have. */
    NEUROLEDGER_SQL_MAX_COST: z.coerce.number().positive().default(100_000),
    /** Most rows one SQL-over-HTTP answer may hold. */
    NEUROLEDGER_SQL_MAX_ROWS: z.coerce.number().int().min(1).default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.NEUROLEDGER_INDEXER_AUTH === "siwe" && !env.NEUROLEDGER_SIWE_DOMAIN) {
      ctx.addIssue({
        code: "custom",
        path: ["NEUROLEDGER_SIWE_DOMAIN"],
        message:
          "required with NEUROLEDGER_INDEXER_AUTH=siwe: the host[:port] users sign in on (never taken from a request's Host header)",
      });
    }
    if (env.NEUROLEDGER_SIWE_URI && env.NEUROLEDGER_SIWE_DOMAIN) {
      const host = new URL(env.NEUROLEDGER_SIWE_URI).host;
      if (host !== env.NEUROLEDGER_SIWE_DOMAIN.toLowerCase()) {
        ctx.addIssue({
          code: "custom",
          path: ["NEUROLEDGER_SIWE_URI"],
          message: `names host "${host}", but NEUROLEDGER_SIWE_DOMAIN is "${env.NEUROLEDGER_SIWE_DOMAIN}"`,
        });
      }
    }
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

/** Finality depth for the chain: the configured one, else 16 on a dev node, else Ponder's default. */
export function finalityBlocks(settings: Settings): number | undefined {
  if (settings.NEUROLEDGER_FINALITY_BLOCKS !== undefined)
    return settings.NEUROLEDGER_FINALITY_BLOCKS;
  return DEV_CHAIN_IDS.includes(settings.NEUROLEDGER_CHAIN_ID) ? DEV_FINALITY_BLOCKS : undefined;
}
