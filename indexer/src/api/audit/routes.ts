import { Hono } from "hono";
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
  downloadsQuery,
  evaluationsQuery,
  historyQuery,
  institutionParam,
  listQuery,
  modelIdParam,
  parseOrThrow,
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

/**
 * The audit REST API (`/audit/*`): parse and check the parameters (`params.ts`, 400 on bad
 * input), ask `queries.ts`, answer JSON or CSV (`columns.ts`). The session guard sits in front.
 */
export const auditRoutes = new Hono();

auditRoutes.get("/", (c) =>
  c.json({
    routes: [
      "GET /audit/downloads?model&institution&account&kind&from&to&page&pageSize&format",
      "GET /audit/models?page&pageSize&format",
      "GET /audit/models/:id/summary?from&to&format",
      "GET /audit/models/:id/history?format",
      "GET /audit/models/:id/scores?format",
      "GET /audit/evaluations?model&institution&from&to&page&pageSize&format",
      "GET /audit/institutions?page&pageSize&format",
      "GET /audit/institutions/:id/summary?from&to&format",
    ],
    formats: "JSON by default; CSV with ?format=csv or Accept: text/csv",
    times: "from/to: YYYY-MM-DD (UTC; `to` includes that day) or ISO 8601 with a zone",
  }),
);

auditRoutes.get("/downloads", async (c) => {
  const q = parseOrThrow(downloadsQuery, c.req.query());
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

auditRoutes.get("/models", async (c) => {
  const q = parseOrThrow(listQuery, c.req.query());
  const { total, rows } = await listModels(q);
  if (wantsCsv(c, q.format)) return csvResponse(c, "models.csv", modelColumns, rows);
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, rows });
});

auditRoutes.get("/models/:id/summary", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
  const m = await findModel(id);
  if (!m) return jsonResponse(c, { error: `no model ${id} has been published` }, 404);
  const where = modelDownloadsWhere(id, q);
  const byDay = await countsByDay(where);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `model-${id}-downloads-by-day.csv`, dayColumns, byDay);
  }
  return jsonResponse(c, {
    model: modelJson(m),
    ...windowOf(q),
    ...totalsOf(byDay),
    byDay,
    byInstitution: await downloadsPerInstitution(where),
  });
});

auditRoutes.get("/models/:id/history", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(historyQuery, c.req.query());
  const m = await findModel(id);
  if (!m) return jsonResponse(c, { error: `no model ${id} has been published` }, 404);
  const events = await modelHistory(m);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `model-${id}-history.csv`, historyColumns, events);
  }
  return jsonResponse(c, { model: modelJson(m), events });
});

auditRoutes.get("/models/:id/scores", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(historyQuery, c.req.query());
  const m = await findModel(id);
  if (!m) return jsonResponse(c, { error: `no model ${id} has been published` }, 404);
  const scores = await scoreHistory(id);
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `model-${id}-scores.csv`, scoreColumns, scores);
  }
  return jsonResponse(c, { model: modelJson(m), scores });
});

auditRoutes.get("/evaluations", async (c) => {
  const q = parseOrThrow(evaluationsQuery, c.req.query());
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

auditRoutes.get("/institutions", async (c) => {
  const q = parseOrThrow(listQuery, c.req.query());
  const { total, rows } = await listInstitutions(q);
  if (wantsCsv(c, q.format)) return csvResponse(c, "institutions.csv", institutionColumns, rows);
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total, rows });
});

auditRoutes.get("/institutions/:id/summary", async (c) => {
  const { id: ref } = parseOrThrow(institutionParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
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
    modelsPublished: await modelsPublishedBy(inst.id),
  });
});
