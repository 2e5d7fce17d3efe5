import { createHmac } from "node:crypto";
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql, sql } from "ponder";
import { loadDeployment } from "../../lib/contracts.ts";
import { readSettings } from "../../lib/settings.ts";
import { BadRequestError } from "./audit/params.ts";
import { knownTasks } from "./audit/queries.ts";
import { auditRoutes } from "./audit/routes.ts";
import { NonceIssuer } from "./auth/nonces.ts";
import { StandingCache } from "./auth/roleCache.ts";
import { type AuthOptions, authRoutes, requireAccess } from "./auth/routes.ts";
import { SessionSigner } from "./auth/session.ts";
import { registriesListedOnChain, registryStanding } from "./auth/standing.ts";
import { graphqlGuard } from "./limits/graphqlGuard.ts";
import { type Explain, sqlGuard } from "./limits/sqlGuard.ts";
import { checkpointBlock, LivenessMonitor } from "./liveness.ts";

const settings = readSettings();
const deployment = loadDeployment(settings.NEUROLEDGER_CHAIN_ID, settings.NEUROLEDGER_DEPLOYMENT);
const chainClient = publicClients.consortium;
const secret = settings.NEUROLEDGER_SESSION_SECRET;

const auth: AuthOptions = {
  mode: settings.NEUROLEDGER_INDEXER_AUTH,
  chainId: settings.NEUROLEDGER_CHAIN_ID,
  domain: settings.NEUROLEDGER_SIWE_DOMAIN,
  uri: settings.NEUROLEDGER_SIWE_URI,
  sessionTtlSeconds: settings.NEUROLEDGER_SESSION_TTL_S,
  // Replicas sharing the session secret also accept each other's nonces.
  nonces: new NonceIssuer(
    secret
      ? createHmac("sha256", Buffer.from(secret.replace(/^0x/, ""), "hex"))
          .update("siwe-nonce")
          .digest()
      : undefined,
  ),
  signer: new SessionSigner(secret),
  standing: new StandingCache(
    registryStanding(chainClient, () =>
      registriesListedOnChain(chainClient, deployment.taskDirectory, deployment.tasks),
    ),
    settings.NEUROLEDGER_ROLE_CACHE_MS,
  ),
  client: chainClient,
};

const DISABLE_COST = 1e10;
// Ponder's database handle for the API: the read-only one.
// biome-ignore lint/suspicious/noExplicitAny: drizzle's session is internal (Ponder's client() uses it too)
const session = (db as any)._.session;
const explain: Explain = async (query) => {
  const result = await session
    .prepareQuery(
      {
        sql: `EXPLAIN (FORMAT JSON) ${query.sql}`,
        params: query.params ?? [],
        typings: query.typings,
      },
      undefined,
      undefined,
      false,
    )
    .execute();
  const cell = Object.values((result.rows ?? result)[0] as Record<string, unknown>)[0];
  const plan = (typeof cell === "string" ? JSON.parse(cell) : cell) as {
    Plan: { "Total Cost": number; "Plan Rows": number };
  }[];
  const root = plan[0]?.Plan;
  if (!root) throw new Error("EXPLAIN gave no plan");
  // PostgreSQL adds `disable_cost` (1e10) for each plan node of a disabled kind (seen on PGlite for
  // plain scans of small tables); what is left is the plan's own cost.
  const cost =
    root["Total Cost"] >= DISABLE_COST ? root["Total Cost"] % DISABLE_COST : root["Total Cost"];
  return { cost, rows: root["Plan Rows"] };
};

let probeFailureLogged = false;
const liveness = new LivenessMonitor(
  {
    async indexedBlock() {
      try {
        // The API's connection has Ponder's schema on its search path (as Ponder's /status).
        const result = (await db.execute(
          sql.raw("SELECT latest_checkpoint FROM _ponder_checkpoint"),
        )) as unknown as
          | { rows?: { latest_checkpoint: string }[] }
          | { latest_checkpoint: string }[];
        const list = Array.isArray(result) ? result : (result.rows ?? []);
        return list[0] ? checkpointBlock(list[0].latest_checkpoint) : undefined;
      } catch (error) {
        if (!probeFailureLogged) console.error("liveness: cannot read _ponder_checkpoint", error);
        probeFailureLogged = true;
        throw error;
      }
    },
    headBlock: async () => Number(await chainClient.getBlockNumber({ cacheTime: 0 })),
  },
  settings.NEUROLEDGER_STALL_MS,
).start(Math.min(2_000, Math.max(250, settings.NEUROLEDGER_STALL_MS / 4)));
(globalThis as { PONDER_LIVENESS_PROBLEM?: () => string | undefined }).PONDER_LIVENESS_PROBLEM =
  () => liveness.problem();

const app = new Hono();

app.onError((error, c) => {
  if (error instanceof BadRequestError) {
    return c.json({ error: `bad request: ${error.message}`, problems: error.problems }, 400);
  }
  console.error(error);
  return c.json({ error: "internal error" }, 500);
});

app.route("/auth", authRoutes(auth));

const guard = requireAccess(auth);
app.use("/graphql", guard);
app.use("/graphql/*", guard);
app.use("/sql/*", guard);
app.use("/audit", guard);
app.use("/audit/*", guard);

app.use(
  "/sql/*",
  sqlGuard(
    { maxCost: settings.NEUROLEDGER_SQL_MAX_COST, maxRows: settings.NEUROLEDGER_SQL_MAX_ROWS },
    explain,
  ),
);
app.use("/sql/*", client({ db, schema }));
const graphqlLimits = {
  maxCost: settings.NEUROLEDGER_GRAPHQL_MAX_COST,
  maxDepth: settings.NEUROLEDGER_GRAPHQL_MAX_DEPTH,
  maxAliases: settings.NEUROLEDGER_GRAPHQL_MAX_ALIASES,
  maxTokens: 1000,
};
app.use("/graphql", graphqlGuard(graphqlLimits));
app.use(
  "/graphql",
  // Ponder's own limits stay as a second line (introspection nests deeper than data queries).
  graphql(
    { db, schema },
    {
      maxOperationTokens: graphqlLimits.maxTokens,
      maxOperationDepth: graphqlLimits.maxDepth * 2,
      maxOperationAliases: graphqlLimits.maxAliases,
    },
  ),
);
const deploymentTasks = deployment.tasks.map((t) => t.task);
app.route(
  "/audit",
  auditRoutes(() => knownTasks(deploymentTasks)),
);

export default app;
