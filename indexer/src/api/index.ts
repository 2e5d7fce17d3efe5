import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { loadDeployment } from "../../lib/contracts.ts";
import { readSettings } from "../../lib/settings.ts";
import { BadRequestError } from "./audit/params.ts";
import { auditRoutes } from "./audit/routes.ts";
import { NonceStore } from "./auth/nonces.ts";
import { StandingCache } from "./auth/roleCache.ts";
import { type AuthOptions, authRoutes, requireAccess } from "./auth/routes.ts";
import { SessionSigner } from "./auth/session.ts";
import { registryStanding } from "./auth/standing.ts";

const settings = readSettings();
const deployment = loadDeployment(settings.NEUROLEDGER_CHAIN_ID, settings.NEUROLEDGER_DEPLOYMENT);
const chainClient = publicClients.consortium;

const auth: AuthOptions = {
  mode: settings.NEUROLEDGER_INDEXER_AUTH,
  chainId: settings.NEUROLEDGER_CHAIN_ID,
  domain: settings.NEUROLEDGER_SIWE_DOMAIN,
  sessionTtlSeconds: settings.NEUROLEDGER_SESSION_TTL_S,
  nonces: new NonceStore(),
  signer: new SessionSigner(settings.NEUROLEDGER_SESSION_SECRET),
  standing: new StandingCache(
    registryStanding(chainClient, deployment.addresses.registry),
    settings.NEUROLEDGER_ROLE_CACHE_MS,
  ),
  client: chainClient,
};

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

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));
app.route("/audit", auditRoutes);

export default app;
