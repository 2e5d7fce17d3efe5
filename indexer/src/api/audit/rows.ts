// The audit API's rows as they go over the wire: the routes build them with these types, and
// web imports them (`@neuroledger/indexer/audit-rows`), so the two cannot drift. Types only: no
// ponder import, so any package can read this file. Records are `type`s, not interfaces, so the
// CSV writer takes them as plain records.

type Hex = `0x${string}`;

/** A value after `jsonResponse`: bigints become decimal strings (JSON has no 64-bit integers). */
export type Json<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type DownloadKind = "member" | "staff" | "patient";

/**
 * Which task a row belongs to (docs/interfaces.md section 14): every task has its own registry and
 * model ids restart at 1 in each, so a model is `(registry, modelId)`, never the id alone.
 */
export type TaskOrigin = {
  /** The task's name, e.g. `brain-tumor-mri/binary`, `brain-tumor-mri/type`. */
  task: string;
  /** The task registry's proxy address (lowercase). */
  registry: Hex;
};

/** One `ModelDownloaded` event as the routes build it (before JSON). */
export type DownloadRecord = TaskOrigin & {
  /** Block of the download (a number: block heights fit a double). */
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  /** ISO 8601 UTC time of the block. */
  time: string;
  /** Block time in seconds since the epoch. */
  timestamp: number;
  modelId: bigint;
  account: Hex;
  institutionId: bigint;
  /** Null for an institution the indexer has not seen admitted. */
  institutionName: string | null;
  kind: DownloadKind;
};
/** A row of `GET /audit/downloads` (JSON). */
export type DownloadRow = Json<DownloadRecord>;

/** `GET /audit/downloads`: one page of rows, oldest first. */
export interface DownloadsPage {
  page: number;
  pageSize: number;
  total: number;
  pages: number;
  rows: DownloadRow[];
}

/** A published model as the audit API lists it (`GET /audit/models`, summaries). */
export type ModelRecord = TaskOrigin & {
  /** The model's id in its task's registry (ids restart at 1 per task). */
  id: bigint;
  publisher: Hex;
  institutionId: bigint;
  contentCid: string;
  keyringCid: string;
  keyringVersion: number;
  sha256: Hex;
  taskId: Hex;
  parentId: bigint | null;
  accuracyBp: number;
  precisionBp: number;
  recallBp: number;
  f1Bp: number;
  aucBp: number;
  testSetSize: number;
  status: string;
  /** Place in the top ten now (0 = best), null when outside it. */
  rank: number | null;
  rankAtPublish: number | null;
  isLatest: boolean;
  revokedReason: string | null;
  downloadCount: number;
  /** Seconds since the epoch. */
  publishedAt: bigint;
  /** ISO 8601 UTC time of `publishedAt`. */
  publishedTime: string;
  blockNumber: bigint;
  logIndex: number;
  txHash: Hex;
};
export type ModelRow = Json<ModelRecord>;

/** `GET /audit/models`: one page of models, newest first. */
export interface ModelsPage {
  page: number;
  pageSize: number;
  total: number;
  rows: ModelRow[];
}

/** Downloads of one UTC day (`YYYY-MM-DD`), in all and by kind. */
export interface DayCounts {
  day: string;
  downloads: number;
  member: number;
  staff: number;
  patient: number;
}

/** `GET /audit/models/:id/summary` (JSON). */
export interface ModelSummary {
  model: ModelRow;
  /** The range asked for (ISO 8601), null when open. */
  from: string | null;
  to: string | null;
  total: number;
  byKind: Record<DownloadKind, number>;
  byDay: DayCounts[];
  byInstitution: { institutionId: string; name: string | null; downloads: number }[];
}

/** Downloads of one model, a row of `byModel` in `GET /audit/institutions/:id/summary`. */
export type ModelDownloads = Json<TaskOrigin & { modelId: bigint; downloads: number }>;

/** One `EvaluationSubmitted` event (registry v3) as the routes build it (before JSON): what a
 * member institution measured of a model on its own data. Metrics in basis points (0..10000). */
export type EvaluationRecord = TaskOrigin & {
  modelId: bigint;
  institutionId: bigint;
  /** Null for an institution the indexer has not seen admitted. */
  institutionName: string | null;
  /** The account that submitted it (the institution's own account or its staff). */
  evaluator: Hex;
  accuracyBp: number;
  precisionBp: number;
  /** Recall, i.e. sensitivity. */
  recallBp: number;
  specificityBp: number;
  f1Bp: number;
  aucBp: number;
  /** Images of the evaluation set per class, and in all. */
  positives: bigint;
  negatives: bigint;
  images: bigint;
  /** The evaluation set's fingerprint (the card's `data.fingerprint` definition). */
  fingerprint: Hex;
  /** "major.minor.patch" of the evaluating software. */
  codeVersion: string;
  cardVersion: number;
  /** True when the publisher's own institution measured it (does not count as independent). */
  publisherSite: boolean;
  /** True when it replaced the institution's earlier evaluation of the same model. */
  replaced: boolean;
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  /** ISO 8601 UTC time of the block. */
  time: string;
  /** Block time in seconds since the epoch. */
  timestamp: number;
};
/** A row of `GET /audit/evaluations` (JSON). */
export type EvaluationRow = Json<EvaluationRecord>;

/** `GET /audit/evaluations`: one page of evaluations, oldest first (every submission, replaced
 * ones included: the history). */
export interface EvaluationsPage {
  page: number;
  pageSize: number;
  total: number;
  pages: number;
  rows: EvaluationRow[];
}

/** One `ModelScored` event: a model's ranking score after a change (publish, evaluation). */
export type ScoreRecord = TaskOrigin & {
  modelId: bigint;
  /** The ranking F1 and accuracy (basis points): members' worst independent site once verified,
   * the publisher's claim until then. */
  f1Bp: number;
  accuracyBp: number;
  /** True once at least the governed quorum of independent institutions evaluated it. */
  verified: boolean;
  independentEvaluations: number;
  /** Place in the top ten after the change (0 = best), null when outside it. */
  rank: number | null;
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  time: string;
  timestamp: number;
};
export type ScoreRow = Json<ScoreRecord>;

/** `GET /audit/models/:id/scores` (JSON): the score history in chain order. */
export interface ScoreHistory {
  model: ModelRow;
  scores: ScoreRow[];
}
