import { db } from "ponder:api";
import { download, institution, model, modelEvent } from "ponder:schema";
import { Hono } from "hono";
import { and, asc, count, desc, eq, gte, lte, sql } from "ponder";
import type { Address, Hex } from "viem";
import {
  downloadsQuery,
  historyQuery,
  institutionParam,
  listQuery,
  modelIdParam,
  parseOrThrow,
  summaryQuery,
} from "./params.ts";
import { csvResponse, isoDay, isoTime, jsonResponse, wantsCsv } from "./respond.ts";
import type { DownloadKind, DownloadRecord, ModelRecord } from "./rows.ts";

// drizzle's SQL condition type, without depending on drizzle-orm directly.
type SQL = NonNullable<ReturnType<typeof and>>;

/** Institution id for an id or account address; undefined when no institution matches. */
async function institutionIdOf(ref: bigint | Address): Promise<bigint | undefined> {
  if (typeof ref === "bigint") return ref;
  const [row] = await db
    .select({ id: institution.id })
    .from(institution)
    .where(eq(institution.account, ref))
    .limit(1);
  return row?.id;
}

function inRange(column: typeof download.timestamp, from?: bigint, to?: bigint): SQL[] {
  const parts: SQL[] = [];
  if (from !== undefined) parts.push(gte(column, from));
  if (to !== undefined) parts.push(lte(column, to));
  return parts;
}

const downloadColumns = [
  "blockNumber",
  "logIndex",
  "txHash",
  "time",
  "timestamp",
  "modelId",
  "account",
  "institutionId",
  "institutionName",
  "kind",
] as const;

function downloadRow(r: {
  blockNumber: bigint;
  logIndex: number;
  txHash: Hex;
  timestamp: bigint;
  modelId: bigint;
  account: Hex;
  institutionId: bigint;
  institutionName: string | null;
  kind: DownloadKind;
}): DownloadRecord {
  return {
    blockNumber: Number(r.blockNumber),
    logIndex: r.logIndex,
    txHash: r.txHash,
    time: isoTime(r.timestamp),
    timestamp: Number(r.timestamp),
    modelId: r.modelId,
    account: r.account,
    institutionId: r.institutionId,
    institutionName: r.institutionName,
    kind: r.kind,
  };
}

/** Downloads per UTC day and kind matching `where`, as rows `{ day, downloads, member, staff, patient }`. */
async function countsByDay(where: SQL | undefined) {
  // Ponder keeps bigints as numeric(78): floor() for whole days. A literal, not a bound
  // parameter: GROUP BY must repeat the select's expression exactly.
  const dayExpr = sql<string>`floor(${download.timestamp} / 86400)`;
  const rows = await db
    .select({ day: dayExpr.as("day"), kind: download.kind, n: count() })
    .from(download)
    .where(where)
    .groupBy(dayExpr, download.kind)
    .orderBy(dayExpr);
  const byDay = new Map<
    string,
    { day: string; downloads: number; member: number; staff: number; patient: number }
  >();
  for (const r of rows) {
    const day = isoDay(BigInt(r.day));
    const entry = byDay.get(day) ?? { day, downloads: 0, member: 0, staff: 0, patient: 0 };
    entry.downloads += Number(r.n);
    entry[r.kind] += Number(r.n);
    byDay.set(day, entry);
  }
  return [...byDay.values()];
}

function modelJson(m: typeof model.$inferSelect): ModelRecord {
  return {
    ...m,
    publishedTime: isoTime(m.publishedAt),
  };
}

export const auditRoutes = new Hono();

auditRoutes.get("/", (c) =>
  c.json({
    routes: [
      "GET /audit/downloads?model&institution&account&kind&from&to&page&pageSize&format",
      "GET /audit/models?page&pageSize&format",
      "GET /audit/models/:id/summary?from&to&format",
      "GET /audit/models/:id/history?format",
      "GET /audit/institutions?page&pageSize&format",
      "GET /audit/institutions/:id/summary?from&to&format",
    ],
    formats: "JSON by default; CSV with ?format=csv or Accept: text/csv",
    times: "from/to: YYYY-MM-DD (UTC; `to` includes that day) or ISO 8601 with a zone",
  }),
);

auditRoutes.get("/downloads", async (c) => {
  const q = parseOrThrow(downloadsQuery, c.req.query());
  const filters: (SQL | undefined)[] = [];
  if (q.model !== undefined) filters.push(eq(download.modelId, q.model));
  if (q.institution !== undefined) {
    const id = await institutionIdOf(q.institution);
    // An institution account that never joined has no downloads: an empty, correct answer.
    filters.push(id === undefined ? sql`false` : eq(download.institutionId, id));
  }
  if (q.account !== undefined) filters.push(eq(download.account, q.account));
  if (q.kind !== undefined) filters.push(eq(download.kind, q.kind));
  filters.push(...inRange(download.timestamp, q.from, q.to));
  const where = and(...filters);
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(download)
    .where(where);
  const rows = await db
    .select({
      blockNumber: download.blockNumber,
      logIndex: download.logIndex,
      txHash: download.txHash,
      timestamp: download.timestamp,
      modelId: download.modelId,
      account: download.account,
      institutionId: download.institutionId,
      institutionName: institution.name,
      kind: download.kind,
    })
    .from(download)
    .leftJoin(institution, eq(download.institutionId, institution.id))
    .where(where)
    .orderBy(asc(download.blockNumber), asc(download.logIndex))
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize);
  const pages = Math.max(1, Math.ceil(Number(total) / q.pageSize));
  const paging = { page: q.page, pageSize: q.pageSize, total: Number(total), pages };
  if (wantsCsv(c, q.format)) {
    return csvResponse(c, `downloads-page-${q.page}.csv`, downloadColumns, rows.map(downloadRow), {
      "X-Total-Count": String(total),
      "X-Page": String(q.page),
      "X-Pages": String(pages),
    });
  }
  return jsonResponse(c, { ...paging, rows: rows.map(downloadRow) });
});

auditRoutes.get("/models", async (c) => {
  const q = parseOrThrow(listQuery, c.req.query());
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(model);
  const rows = await db
    .select()
    .from(model)
    .orderBy(desc(model.id))
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize);
  if (wantsCsv(c, q.format)) {
    const columns = [
      "id",
      "status",
      "rank",
      "isLatest",
      "institutionId",
      "publisher",
      "f1Bp",
      "accuracyBp",
      "downloadCount",
      "contentCid",
      "sha256",
      "publishedTime",
      "blockNumber",
      "txHash",
    ] as const;
    return csvResponse(c, "models.csv", columns, rows.map(modelJson));
  }
  return jsonResponse(c, {
    page: q.page,
    pageSize: q.pageSize,
    total: Number(total),
    rows: rows.map(modelJson),
  });
});

auditRoutes.get("/models/:id/summary", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
  const [m] = await db.select().from(model).where(eq(model.id, id)).limit(1);
  if (!m) return jsonResponse(c, { error: `no model ${id} has been published` }, 404);
  const where = and(eq(download.modelId, id), ...inRange(download.timestamp, q.from, q.to));
  const byDay = await countsByDay(where);
  if (wantsCsv(c, q.format)) {
    return csvResponse(
      c,
      `model-${id}-downloads-by-day.csv`,
      ["day", "downloads", "member", "staff", "patient"],
      byDay,
    );
  }
  const byInstitution = await db
    .select({ institutionId: download.institutionId, name: institution.name, downloads: count() })
    .from(download)
    .leftJoin(institution, eq(download.institutionId, institution.id))
    .where(where)
    .groupBy(download.institutionId, institution.name)
    .orderBy(download.institutionId);
  return jsonResponse(c, {
    model: modelJson(m),
    from: q.from === undefined ? null : isoTime(q.from),
    to: q.to === undefined ? null : isoTime(q.to),
    total: byDay.reduce((s, d) => s + d.downloads, 0),
    byKind: {
      member: byDay.reduce((s, d) => s + d.member, 0),
      staff: byDay.reduce((s, d) => s + d.staff, 0),
      patient: byDay.reduce((s, d) => s + d.patient, 0),
    },
    byDay,
    byInstitution: byInstitution.map((r) => ({ ...r, downloads: Number(r.downloads) })),
  });
});

auditRoutes.get("/models/:id/history", async (c) => {
  const { id } = parseOrThrow(modelIdParam, c.req.param());
  const q = parseOrThrow(historyQuery, c.req.query());
  const [m] = await db.select().from(model).where(eq(model.id, id)).limit(1);
  if (!m) return jsonResponse(c, { error: `no model ${id} has been published` }, 404);
  const life = await db.select().from(modelEvent).where(eq(modelEvent.modelId, id));
  const downloads = await db.select().from(download).where(eq(download.modelId, id));
  const events = [
    ...life.map((e) => ({
      event: e.change,
      blockNumber: Number(e.blockNumber),
      logIndex: e.logIndex,
      txHash: e.txHash,
      time: isoTime(e.timestamp),
      rankBefore: e.rankBefore,
      rankAfter: e.rankAfter,
      account: e.by,
      institutionId: e.change === "published" ? m.institutionId : null,
      kind: null as string | null,
      detail: e.detail,
    })),
    ...downloads.map((d) => ({
      event: "downloaded",
      blockNumber: Number(d.blockNumber),
      logIndex: d.logIndex,
      txHash: d.txHash,
      time: isoTime(d.timestamp),
      rankBefore: null,
      rankAfter: null,
      account: d.account,
      institutionId: d.institutionId,
      kind: d.kind as string | null,
      detail: null,
    })),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  if (wantsCsv(c, q.format)) {
    const columns = [
      "blockNumber",
      "logIndex",
      "txHash",
      "time",
      "event",
      "rankBefore",
      "rankAfter",
      "account",
      "institutionId",
      "kind",
      "detail",
    ] as const;
    return csvResponse(c, `model-${id}-history.csv`, columns, events);
  }
  return jsonResponse(c, { model: modelJson(m), events });
});

auditRoutes.get("/institutions", async (c) => {
  const q = parseOrThrow(listQuery, c.req.query());
  const rows = await db
    .select()
    .from(institution)
    .orderBy(asc(institution.id))
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize);
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(institution);
  if (wantsCsv(c, q.format)) {
    const columns = [
      "id",
      "name",
      "account",
      "active",
      "modelCount",
      "downloadCount",
      "admittedBlock",
      "admittedTx",
      "removedBlock",
      "removedTx",
    ] as const;
    return csvResponse(c, "institutions.csv", columns, rows);
  }
  return jsonResponse(c, { page: q.page, pageSize: q.pageSize, total: Number(total), rows });
});

auditRoutes.get("/institutions/:id/summary", async (c) => {
  const { id: ref } = parseOrThrow(institutionParam, c.req.param());
  const q = parseOrThrow(summaryQuery, c.req.query());
  const id = await institutionIdOf(ref);
  const [inst] =
    id === undefined
      ? []
      : await db.select().from(institution).where(eq(institution.id, id)).limit(1);
  if (!inst) return jsonResponse(c, { error: `no institution ${ref} has been admitted` }, 404);
  const where = and(
    eq(download.institutionId, inst.id),
    ...inRange(download.timestamp, q.from, q.to),
  );
  const byDay = await countsByDay(where);
  if (wantsCsv(c, q.format)) {
    return csvResponse(
      c,
      `institution-${inst.id}-downloads-by-day.csv`,
      ["day", "downloads", "member", "staff", "patient"],
      byDay,
    );
  }
  const byModel = await db
    .select({ modelId: download.modelId, downloads: count() })
    .from(download)
    .where(where)
    .groupBy(download.modelId)
    .orderBy(download.modelId);
  const published = await db
    .select({
      id: model.id,
      status: model.status,
      rank: model.rank,
      publishedAt: model.publishedAt,
    })
    .from(model)
    .where(eq(model.institutionId, inst.id))
    .orderBy(asc(model.id));
  return jsonResponse(c, {
    institution: inst,
    from: q.from === undefined ? null : isoTime(q.from),
    to: q.to === undefined ? null : isoTime(q.to),
    total: byDay.reduce((s, d) => s + d.downloads, 0),
    byKind: {
      member: byDay.reduce((s, d) => s + d.member, 0),
      staff: byDay.reduce((s, d) => s + d.staff, 0),
      patient: byDay.reduce((s, d) => s + d.patient, 0),
    },
    byDay,
    byModel: byModel.map((r) => ({ ...r, downloads: Number(r.downloads) })),
    modelsPublished: published.map((p) => ({ ...p, publishedTime: isoTime(p.publishedAt) })),
  });
});
