import { db } from "ponder:api";
import {
  download,
  evaluation,
  institution,
  model,
  modelEvent,
  modelScore,
  task as taskTable,
} from "ponder:schema";
import { and, asc, count, desc, eq, gte, lte, sql } from "ponder";
import type { Address, Hex } from "viem";
import {
  BadRequestError,
  type DownloadsQuery,
  type EvaluationsQuery,
  type SummaryQuery,
} from "./params.ts";
import { isoDay, isoTime } from "./respond.ts";
import type {
  DownloadKind,
  DownloadRecord,
  EvaluationRecord,
  ModelRecord,
  ScoreRecord,
} from "./rows.ts";

/**
 * The audit API's reads: one function per question, rows shaped as the routes answer them
 * (bigint ids kept as bigint, which `jsonResponse` writes as decimal strings; block numbers and
 * timestamps as numbers; times as ISO 8601 UTC).
 */

// drizzle's SQL condition type, without depending on drizzle-orm directly.
type SQL = NonNullable<ReturnType<typeof and>>;

/** One page of a list: `page` counts from 1. */
export type PageRequest = { page: number; pageSize: number };

/**
 * Every task the indexer follows: the deployment's, in its order, then those governance listed
 * later (the `task` table, from TaskDirectory.TaskAdded), in the order they were added.
 * @param deploymentTasks the deployment file's task names
 */
export async function knownTasks(deploymentTasks: readonly string[]): Promise<string[]> {
  const added = await db
    .select({ task: taskTable.task })
    .from(taskTable)
    .orderBy(asc(taskTable.blockNumber), asc(taskTable.logIndex));
  return [...new Set([...deploymentTasks, ...added.map((row) => row.task)])];
}

const offsetOf = ({ page, pageSize }: PageRequest) => (page - 1) * pageSize;

/** Institution id for an id or account address; undefined when no institution matches. */
export async function institutionIdOf(ref: bigint | Address): Promise<bigint | undefined> {
  if (typeof ref === "bigint") return ref;
  const [row] = await db
    .select({ id: institution.id })
    .from(institution)
    .where(eq(institution.account, ref))
    .limit(1);
  return row?.id;
}

function inRange(
  column: typeof download.timestamp | typeof evaluation.timestamp,
  from?: bigint,
  to?: bigint,
): SQL[] {
  const parts: SQL[] = [];
  if (from !== undefined) parts.push(gte(column, from));
  if (to !== undefined) parts.push(lte(column, to));
  return parts;
}

function downloadRow(r: {
  task: string;
  registry: Hex;
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
    task: r.task,
    registry: r.registry,
    modelId: r.modelId,
    account: r.account,
    institutionId: r.institutionId,
    institutionName: r.institutionName,
    kind: r.kind,
  };
}

/** A model row as the audit API answers it: the indexed columns plus `publishedTime` (ISO). */
export function modelJson(m: typeof model.$inferSelect): ModelRecord {
  return {
    ...m,
    publishedTime: isoTime(m.publishedAt),
  };
}

/** The window a summary covers, as ISO times; null for an open end. */
export function windowOf(q: SummaryQuery) {
  return {
    from: q.from === undefined ? null : isoTime(q.from),
    to: q.to === undefined ? null : isoTime(q.to),
  };
}

/** The download filter of `GET /audit/downloads`: every given parameter must match. */
export async function downloadsWhere(q: DownloadsQuery): Promise<SQL | undefined> {
  const filters: (SQL | undefined)[] = [];
  // Without `task`, `model` matches that id in every task (rows say which).
  if (q.task !== undefined) filters.push(eq(download.task, q.task));
  if (q.model !== undefined) filters.push(eq(download.modelId, q.model));
  if (q.institution !== undefined) {
    const id = await institutionIdOf(q.institution);
    // An institution account that never joined has no downloads: an empty, correct answer.
    filters.push(id === undefined ? sql`false` : eq(download.institutionId, id));
  }
  if (q.account !== undefined) filters.push(eq(download.account, q.account));
  if (q.kind !== undefined) filters.push(eq(download.kind, q.kind));
  filters.push(...inRange(download.timestamp, q.from, q.to));
  return and(...filters);
}

/** Downloads of one model (its registry and id) in `[from, to]` (unix seconds, either end optional). */
export function modelDownloadsWhere(m: ModelKey, q: SummaryQuery) {
  return and(
    eq(download.registry, m.registry),
    eq(download.modelId, m.id),
    ...inRange(download.timestamp, q.from, q.to),
  );
}

/** Downloads by one institution's accounts in `[from, to]` (unix seconds, either end optional),
 * of one task's models with `q.task`. */
export function institutionDownloadsWhere(institutionId: bigint, q: SummaryQuery) {
  return and(
    eq(download.institutionId, institutionId),
    ...(q.task === undefined ? [] : [eq(download.task, q.task)]),
    ...inRange(download.timestamp, q.from, q.to),
  );
}

/** One page of downloads matching `where`, in chain order, and how many match in all. */
export async function listDownloads(where: SQL | undefined, paging: PageRequest) {
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(download)
    .where(where);
  const rows = await db
    .select({
      task: download.task,
      registry: download.registry,
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
    .limit(paging.pageSize)
    .offset(offsetOf(paging));
  return { total: Number(total), rows: rows.map(downloadRow) };
}

/** Downloads per UTC day and kind matching `where`, as rows `{ day, downloads, member, staff, patient }`. */
export async function countsByDay(where: SQL | undefined) {
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

/** Totals of {@link countsByDay}'s rows: `{ total, byKind: { member, staff, patient } }`. */
export function totalsOf(byDay: Awaited<ReturnType<typeof countsByDay>>) {
  return {
    total: byDay.reduce((s, d) => s + d.downloads, 0),
    byKind: {
      member: byDay.reduce((s, d) => s + d.member, 0),
      staff: byDay.reduce((s, d) => s + d.staff, 0),
      patient: byDay.reduce((s, d) => s + d.patient, 0),
    },
  };
}

/** A model's key: its task's registry and its id there (ids restart at 1 per registry). */
export type ModelKey = { registry: Hex; id: bigint };

/** One page of models (of `task`, or of every task), newest first, and how many match. */
export async function listModels(paging: PageRequest, task?: string) {
  const where = task === undefined ? undefined : eq(model.task, task);
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(model).where(where);
  const rows = await db
    .select()
    .from(model)
    .where(where)
    .orderBy(desc(model.blockNumber), desc(model.logIndex))
    .limit(paging.pageSize)
    .offset(offsetOf(paging));
  return { total: Number(total), rows: rows.map(modelJson) };
}

/**
 * The model with this id in `task`, or, without a task, in the one task that has such an id.
 * @returns the model row; undefined when no task (or not `task`) has a model with this id
 * @throws BadRequestError naming `task` and the tasks that have the id, when several do and no
 *   task was given (ids restart at 1 in every task, so the id alone does not say which model)
 */
export async function findModel(id: bigint, task?: string) {
  const where = and(eq(model.id, id), ...(task === undefined ? [] : [eq(model.task, task)]));
  const found = await db.select().from(model).where(where).orderBy(asc(model.task)).limit(17);
  if (found.length > 1) {
    throw new BadRequestError([
      {
        parameter: "task",
        message: `model ${id} exists in several tasks (${found.map((m) => m.task).join(", ")}): say which with ?task=<name>`,
      },
    ]);
  }
  return found[0];
}

/** Downloads matching `where` per institution: `{ institutionId, name, downloads }`, by id. */
export async function downloadsPerInstitution(where: SQL | undefined) {
  const rows = await db
    .select({ institutionId: download.institutionId, name: institution.name, downloads: count() })
    .from(download)
    .leftJoin(institution, eq(download.institutionId, institution.id))
    .where(where)
    .groupBy(download.institutionId, institution.name)
    .orderBy(download.institutionId);
  return rows.map((r) => ({ ...r, downloads: Number(r.downloads) }));
}

/** Downloads matching `where` per model: `{ task, registry, modelId, downloads }`, by task and id. */
export async function downloadsPerModel(where: SQL | undefined) {
  const rows = await db
    .select({
      task: download.task,
      registry: download.registry,
      modelId: download.modelId,
      downloads: count(),
    })
    .from(download)
    .where(where)
    .groupBy(download.task, download.registry, download.modelId)
    .orderBy(download.task, download.modelId);
  return rows.map((r) => ({ ...r, downloads: Number(r.downloads) }));
}

/** A model's whole life (publish, rank changes, keyrings, eviction, downloads) in chain order. */
export async function modelHistory(m: typeof model.$inferSelect) {
  const life = await db
    .select()
    .from(modelEvent)
    .where(and(eq(modelEvent.registry, m.registry), eq(modelEvent.modelId, m.id)));
  const downloads = await db.select().from(download).where(modelDownloadsWhere(m, {}));
  return [
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
}

/** One page of member institutions by id, and how many there are. */
export async function listInstitutions(paging: PageRequest) {
  const rows = await db
    .select()
    .from(institution)
    .orderBy(asc(institution.id))
    .limit(paging.pageSize)
    .offset(offsetOf(paging));
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(institution);
  return { total: Number(total), rows };
}

/** The institution with this id or account; undefined when none was admitted. */
export async function findInstitution(ref: bigint | Address) {
  const id = await institutionIdOf(ref);
  if (id === undefined) return undefined;
  const [inst] = await db.select().from(institution).where(eq(institution.id, id)).limit(1);
  return inst;
}

/** Models an institution published, by task and id:
 * `{ task, registry, id, status, rank, publishedAt, publishedTime }`. */
export async function modelsPublishedBy(institutionId: bigint, task?: string) {
  const rows = await db
    .select({
      task: model.task,
      registry: model.registry,
      id: model.id,
      status: model.status,
      rank: model.rank,
      publishedAt: model.publishedAt,
    })
    .from(model)
    .where(
      and(
        eq(model.institutionId, institutionId),
        ...(task === undefined ? [] : [eq(model.task, task)]),
      ),
    )
    .orderBy(asc(model.task), asc(model.id));
  return rows.map((p) => ({ ...p, publishedTime: isoTime(p.publishedAt) }));
}

/** The evaluation filter of `GET /audit/evaluations`: every given parameter must match. */
export async function evaluationsWhere(q: EvaluationsQuery): Promise<SQL | undefined> {
  const filters: (SQL | undefined)[] = [];
  if (q.task !== undefined) filters.push(eq(evaluation.task, q.task));
  if (q.model !== undefined) filters.push(eq(evaluation.modelId, q.model));
  if (q.institution !== undefined) {
    const id = await institutionIdOf(q.institution);
    // An account that never joined has evaluated nothing: an empty, correct answer.
    filters.push(id === undefined ? sql`false` : eq(evaluation.institutionId, id));
  }
  filters.push(...inRange(evaluation.timestamp, q.from, q.to));
  return and(...filters);
}

function evaluationRow(
  e: typeof evaluation.$inferSelect,
  institutionName: string | null,
): EvaluationRecord {
  return {
    task: e.task,
    registry: e.registry,
    modelId: e.modelId,
    institutionId: e.institutionId,
    institutionName,
    evaluator: e.evaluator,
    accuracyBp: e.accuracy,
    precisionBp: e.precision,
    recallBp: e.recall,
    specificityBp: e.specificity,
    f1Bp: e.f1,
    aucBp: e.auc,
    positives: e.positives,
    negatives: e.negatives,
    images: e.positives + e.negatives,
    fingerprint: e.fingerprint,
    codeVersion: e.codeVersion,
    cardVersion: e.cardVersion,
    publisherSite: e.publisherSite,
    replaced: e.replaced,
    blockNumber: Number(e.blockNumber),
    logIndex: e.logIndex,
    txHash: e.txHash,
    time: isoTime(e.timestamp),
    timestamp: Number(e.timestamp),
  };
}

/** One page of evaluations matching `where`, in chain order, and how many match in all. */
export async function listEvaluations(where: SQL | undefined, paging: PageRequest) {
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(evaluation)
    .where(where);
  const rows = await db
    .select({ e: evaluation, institutionName: institution.name })
    .from(evaluation)
    .leftJoin(institution, eq(evaluation.institutionId, institution.id))
    .where(where)
    .orderBy(asc(evaluation.blockNumber), asc(evaluation.logIndex))
    .limit(paging.pageSize)
    .offset(offsetOf(paging));
  return {
    total: Number(total),
    rows: rows.map((r) => evaluationRow(r.e, r.institutionName)),
  };
}

/** A model's ranking score after each change, in chain order. */
export async function scoreHistory(m: ModelKey): Promise<ScoreRecord[]> {
  const rows = await db
    .select()
    .from(modelScore)
    .where(and(eq(modelScore.registry, m.registry), eq(modelScore.modelId, m.id)))
    .orderBy(asc(modelScore.blockNumber), asc(modelScore.logIndex));
  return rows.map((s) => ({
    task: s.task,
    registry: s.registry,
    modelId: s.modelId,
    f1Bp: s.f1,
    accuracyBp: s.accuracy,
    verified: s.verified,
    independentEvaluations: s.independentEvaluations,
    rank: s.rank,
    blockNumber: Number(s.blockNumber),
    logIndex: s.logIndex,
    txHash: s.txHash,
    time: isoTime(s.timestamp),
    timestamp: Number(s.timestamp),
  }));
}
