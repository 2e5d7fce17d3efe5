import { type Context, Hono } from "hono";
import {
  dayColumns,
  downloadColumns,
  evaluationColumns,
  historyColumns,
  institutionColumns,
  modelColumns,
  scoreColumns,
} from "./columns.ts";
import {
  checkTask,
  downloadsQuery,
  evaluationsQuery,
  historyQuery,
  institutionParam,
  listQuery,
  modelIdParam,
  modelsQuery,
  parseOrThrow,
  singleValued,
  summaryQuery,
} from "./params.ts";
import {
  countsByDay,
  downloadsPerInstitution,
  downloadsPerModel,
  downloadsWhere,
  evaluationsWhere,
  findInstitution,
  findModel,
  institutionDownloadsWhere,
  listDownloads,
  listEvaluations,
  listInstitutions,
  listModels,
  modelDownloadsWhere,
  modelHistory,
  modelJson,
  modelsPublishedBy,
  scoreHistory,
  totalsOf,
  windowOf,
} from "./queries.ts";
import { csvResponse, jsonResponse, wantsCsv } from "./respond.ts";

/** What every audit route knows besides the request: the task names the indexer follows. */
type AuditEnv = { Variables: { tasks: readonly string[] } };
type TaskQuery = { task?: string | undefined };
type AuditContext = Context<AuditEnv>;

/** `?task=` checked against the tasks followed (400 naming them); undefined: every task. */
const taskOf = (c: AuditContext, q: TaskQuery) => checkTask(q.task, c.get("tasks"));

/** The model `:id` of `?task=` (or of the one task having that id); undefined when none. */
const modelOf = (c: AuditContext, id: bigint, q: TaskQuery) => findModel(id, taskOf(c, q));

const notPublished = (id: bigint, q: TaskQuery) =>
  `no model ${id} has been published${q.task === undefined ? "" : ` in task ${q.task}`}`;

/** A CSV file name for a model: its task (slashes made dashes) and id. */
const fileStem = (m: { task: string; id: bigint }) =>
  `${m.task.replace(/[^A-Za-z0-9._-]+/g, "-")}-model-${m.id}`;

/**
 * The audit REST API (`/audit/*`): parse and check the parameters (`params.ts`, 400 on bad
 * input), ask `queries.ts`, answer JSON or CSV (`columns.ts`). The session guard sits in front.
 * @param tasks the task names the indexer follows, asked on every request (governance can add
 *   one while the indexer runs: `knownTasks` in queries.ts): `?task=` takes one of them (400 naming them
 *   otherwise); without it a route covers every task
 */
export function auditRoutes(tasks: () => Promise<readonly string[]>): Hono<AuditEnv> {
  return new Hono<AuditEnv>()
    .use(async (c, next) => {
      c.set("tasks", await tasks());
      // On every route: a parameter given twice is a 400 naming it, never the framework's pick.
      singleValued(c.req.queries());
      await next();
    })
    .route("/", routes);
}

const routes = new Hono<AuditEnv>();

routes.get("/", (c) =>
  c.json({
    routes: [
      "GET /audit/downloads?task&model&institution&account&kind&from&to&page&pageSize&format",
      "GET /audit/models?task&page&pageSize&format",
      "GET /audit/models/:id/summary?task&from&to&format",
      "GET /audit/models/:id/history?task&format",
      "GET /audit/models/:id/scores?task&format",
      "GET /audit/evaluations?task&model&institution&from&to&page&pageSize&format",
      "GET /audit/institutions?page&pageSize&format",
      "GET /audit/institutions/:id/summary?task&from&to&format",
    ],
    tasks: c.get("tasks"),
    formats: "JSON by default; CSV with ?format=csv or Accept: text/csv",
    times: "from/to: YYYY-MM-DD (UTC; `to` includes that day) or ISO 8601 with a zone",
    models:
      "a model is (task, id): ids restart at 1 in every task; /models/:id/* need ?task= when the id is in several tasks",
  }),
);

routes.get("/downloads", async (c) => {
  const q = parseOrThrow(downloadsQuery, c.req.query());
  taskOf(c, q);
  const { total, rows } = await listDownloads(await downloadsWhere(q), q);
  const pages = Math.max(1, Math.ceil(total / q.pageSize));
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `downloads-page-${q.page}.csv`, downloadColumns, rows, {
      "X-Total-Count": String(total),
      "X-Page": String(q.page),
      "X-Pages": String(pages),
    });
  }
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, pages, rows });
});

routes.get("/models", async (c) => {
  const q = parseOrThrow(modelsQuery, c.req.query());
  const { total, rows } = await listModels(q, taskOf(c, q));
  if (wantsCsv(c, q.format)) return csvResponse(c, "models.csv", modelColumns, rows);
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, rows });
});

routes.get("/models/:id/summary", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
  const m = await modelOf(c, id, q);
  if (!m) return jsonResponse(c, { error: notPublished(id, q) }, 404);
  const where = modelDownloadsWhere(m, q);
  const byDay = await countsByDay(where);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `${fileStem(m)}-downloads-by-day.csv`, dayColumns, byDay);
  }
  return jsonResponse(c, {
    model: modelJson(m),
    ...windowOf(q),
    ...totalsOf(byDay),
    byDay,
    byInstitution: await downloadsPerInstitution(where),
  });
});

routes.get("/models/:id/history", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(historyQuery, c.req.query());
  const m = await modelOf(c, id, q);
  if (!m) return jsonResponse(c, { error: notPublished(id, q) }, 404);
  const events = await modelHistory(m);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `${fileStem(m)}-history.csv`, historyColumns, events);
  }
  return jsonResponse(c, { model: modelJson(m), events });
});

routes.get("/models/:id/scores", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(historyQuery, c.req.query());
  const m = await modelOf(c, id, q);
  if (!m) return jsonResponse(c, { error: notPublished(id, q) }, 404);
  const scores = await scoreHistory(m);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `${fileStem(m)}-scores.csv`, scoreColumns, scores);
  }
  return jsonResponse(c, { model: modelJson(m), scores });
});

routes.get("/evaluations", async (c) => {
  const q = parseOrThrow(evaluationsQuery, c.req.query());
  taskOf(c, q);
  const { total, rows } = await listEvaluations(await evaluationsWhere(q), q);
  const pages = Math.max(1, Math.ceil(total / q.pageSize));
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `evaluations-page-${q.page}.csv`, evaluationColumns, rows, {
      "X-Total-Count": String(total),
      "X-Page": String(q.page),
      "X-Pages": String(pages),
    });
  }
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, pages, rows });
});

routes.get("/institutions", async (c) => {
  const q = parseOrThrow(listQuery, c.req.query());
  const { total, rows } = await listInstitutions(q);
  if (wantsCsv(c, q.format)) return csvResponse(c, "institutions.csv", institutionColumns, rows);
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, rows });
});

routes.get("/institutions/:id/summary", async (c) => {
  const { id: ref } = parseOrThrow(institutionParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
  taskOf(c, q);
  const inst = await findInstitution(ref);
  if (!inst) return jsonResponse(c, { error: `no institution ${ref} has been admitted` }, 404);
  const where = institutionDownloadsWhere(inst.id, q);
  const byDay = await countsByDay(where);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `institution-${inst.id}-downloads-by-day.csv`, dayColumns, byDay);
  }
  return jsonResponse(c, {
    institution: inst,
    ...windowOf(q),
    ...totalsOf(byDay),
    byDay,
    byModel: await downloadsPerModel(where),
    modelsPublished: await modelsPublishedBy(inst.id, q.task),
  });
});
