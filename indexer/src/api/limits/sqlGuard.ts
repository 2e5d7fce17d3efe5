import type { Context, MiddlewareHandler } from "hono";
import superjson from "superjson";
import { replaceResponse } from "./replaceResponse.ts";
import { checkSqlShape, MAX_SQL_LENGTH, SqlRefusal } from "./sqlShape.ts";

export type SqlLimits = {
  /** Most planner cost (PostgreSQL's units) a query may have. */
  maxCost: number;
  /** Most rows one answer may hold (estimated before, counted after). */
  maxRows: number;
};

type Query = { sql: string; params?: unknown[]; typings?: unknown[] };
/** Runs `EXPLAIN (FORMAT JSON)` of the query on the read-only database; returns the plan's root. */
export type Explain = (query: Query) => Promise<{ cost: number; rows: number }>;

const badRequest = (error: string) =>
  new Response(JSON.stringify({ error: `bad request: ${error}` }), {
    status: 400,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

function readQuery(raw: string | undefined): Query {
  if (raw === undefined) throw new SqlRefusal('missing "sql" query parameter');
  if (raw.length > MAX_SQL_LENGTH * 4) throw new SqlRefusal(`"sql" parameter too long`);
  let query: unknown;
  try {
    query = superjson.parse(raw);
  } catch {
    throw new SqlRefusal('"sql" is not the JSON @ponder/client sends ({ sql, params })');
  }
  const q = query as Query | null;
  if (typeof q?.sql !== "string" || (q.params !== undefined && !Array.isArray(q.params))) {
    throw new SqlRefusal('"sql" must hold { sql: string, params?: [] }');
  }
  return q;
}

/**
 * In front of Ponder's `client()` on `/sql/db` and `/sql/live`: refuses with 400 and the reason,
 * before the query runs, anything that is not one plain read (see `checkSqlShape`), whose
 * planner cost or estimated rows pass the limits; after Ponder, turns its 500 answers (its own
 * refusals and failed queries) into 400s with the reason, and refuses answers over `maxRows`.
 */
export function sqlGuard(limits: SqlLimits, explain: Explain): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path !== "/sql/db" && c.req.path !== "/sql/live") {
      return c.json({ error: `no such SQL route: ${c.req.path} (use /sql/db or /sql/live)` }, 404);
    }
    try {
      await checkBeforeRun(c.req.query("sql"), limits, explain);
    } catch (error) {
      if (error instanceof SqlRefusal) return badRequest(error.message);
      throw error;
    }
    await next();
    if (c.res.status === 500) {
      const reason = (await c.res.clone().text()).slice(0, 500);
      replaceResponse(c, badRequest(`query refused: ${reason || "it failed"}`));
      return;
    }
    if (c.req.path === "/sql/db" && c.res.ok) await refuseLongAnswer(c, limits);
  };
}

/**
 * Throws a {@link SqlRefusal} unless the `sql` parameter is one plain read whose plan stays within
 * the limits (planner cost, estimated rows).
 */
async function checkBeforeRun(sql: string | undefined, limits: SqlLimits, explain: Explain) {
  const query = readQuery(sql);
  await checkSqlShape(query.sql);
  const plan = await explain(query).catch((error: unknown) => {
    throw new SqlRefusal(
      `query cannot be planned: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  if (plan.cost > limits.maxCost) {
    throw new SqlRefusal(
      `query's planned cost ${Math.round(plan.cost).toLocaleString("en")} is over ${limits.maxCost.toLocaleString("en")}: filter, join on keys or add a LIMIT`,
    );
  }
  if (plan.rows > limits.maxRows) {
    throw new SqlRefusal(
      `query may return ~${Math.round(plan.rows).toLocaleString("en")} rows, at most ${limits.maxRows.toLocaleString("en")}: add a LIMIT`,
    );
  }
}

/** Replaces a `/sql/db` answer of more than `maxRows` rows with a 400. */
async function refuseLongAnswer(c: Context, limits: SqlLimits) {
  const answer = (await c.res
    .clone()
    .json()
    .catch(() => undefined)) as { rows?: unknown[] } | undefined;
  const rows = answer?.rows?.length ?? 0;
  if (rows > limits.maxRows) {
    replaceResponse(
      c,
      badRequest(`answer has ${rows} rows, at most ${limits.maxRows}: add a LIMIT`),
    );
  }
}
