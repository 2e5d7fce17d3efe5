/**
 * Column order of each audit CSV: the header row, and the order auditors' spreadsheets rely on.
 * Each list names keys of the JSON rows the same route answers. `task` and `registry` (issue 15)
 * come last, so spreadsheets built on the earlier columns keep their positions.
 */

/** `GET /audit/downloads?format=csv`: one row per download (see `queries.ts` `downloadRow`). */
export const downloadColumns = [
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
  "task",
  "registry",
] as const;

/** `GET /audit/models?format=csv`: one row per model ever published. */
export const modelColumns = [
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
  "task",
  "registry",
] as const;

/** `GET /audit/models/:id/history?format=csv`: one row per event in chain order. */
export const historyColumns = [
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

/** `GET /audit/institutions?format=csv`: one row per member institution. */
export const institutionColumns = [
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

/** The `*\/summary?format=csv` routes: downloads per UTC day and kind. */
export const dayColumns = ["day", "downloads", "member", "staff", "patient"] as const;

/** `GET /audit/evaluations?format=csv`: one row per submitted evaluation, in chain order. */
export const evaluationColumns = [
  "blockNumber",
  "logIndex",
  "txHash",
  "time",
  "modelId",
  "institutionId",
  "institutionName",
  "evaluator",
  "publisherSite",
  "replaced",
  "images",
  "positives",
  "negatives",
  "accuracyBp",
  "precisionBp",
  "recallBp",
  "specificityBp",
  "f1Bp",
  "aucBp",
  "fingerprint",
  "codeVersion",
  "cardVersion",
  "task",
  "registry",
] as const;

/** `GET /audit/models/:id/scores?format=csv`: one row per score change, in chain order. */
export const scoreColumns = [
  "blockNumber",
  "logIndex",
  "txHash",
  "time",
  "modelId",
  "f1Bp",
  "accuracyBp",
  "verified",
  "independentEvaluations",
  "rank",
  "task",
  "registry",
] as const;
