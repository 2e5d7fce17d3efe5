import { index, onchainEnum, onchainTable, primaryKey, relations } from "ponder";

// Every row that mirrors an event keeps `blockNumber`, `logIndex` and `txHash`, so an auditor can
// check it against the chain; `timestamp` is the block's (unix seconds).
//
// Tasks (docs/interfaces.md section 14): every task has its own registry, and model ids restart at
// 1 in each, so every row about a model carries `registry` (the task registry's proxy address,
// lowercase) and `task` (its name), and a model's key is `(registry, id)` everywhere.

export const downloadKind = onchainEnum("download_kind", ["member", "staff", "patient"]);
export const accountKind = onchainEnum("account_kind", ["none", "member", "staff", "patient"]);
export const modelStatus = onchainEnum("model_status", ["active", "evicted", "revoked"]);
export const proposalState = onchainEnum("proposal_state", [
  "created",
  "queued",
  "executed",
  "canceled",
]);

/** A member institution (membership token), current profile and admission/removal. */
export const institution = onchainTable(
  "institution",
  (t) => ({
    id: t.bigint().primaryKey(),
    account: t.hex().notNull(),
    name: t.text().notNull(),
    metadataUri: t.text().notNull(),
    active: t.boolean().notNull(),
    admittedAt: t.bigint().notNull(),
    admittedBlock: t.bigint().notNull(),
    admittedTx: t.hex().notNull(),
    removedAt: t.bigint(),
    removedBlock: t.bigint(),
    removedTx: t.hex(),
    downloadCount: t.integer().notNull().default(0),
    modelCount: t.integer().notNull().default(0),
  }),
  (t) => ({ accountIdx: index().on(t.account) }),
);

/** An account the registry knows: member institution account, staff, patient; roles now. */
export const account = onchainTable(
  "account",
  (t) => ({
    address: t.hex().primaryKey(),
    kind: accountKind("kind").notNull(),
    institutionId: t.bigint(),
    publisher: t.boolean().notNull(),
    auditor: t.boolean().notNull(),
    guardian: t.boolean().notNull(),
    admin: t.boolean().notNull(),
    encryptionKey: t.hex(),
    updatedBlock: t.bigint().notNull(),
  }),
  (t) => ({ institutionIdx: index().on(t.institutionId) }),
);

/** Roles over time: every grant, revocation, staff change, membership change and key change. */
export const accountEvent = onchainTable(
  "account_event",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    /** e.g. `role_granted`, `role_revoked`, `staff_added`, `staff_removed`, `member_admitted`. */
    change: t.text().notNull(),
    /** Role name (`AUDITOR_ROLE`...) or the role id in hex when unknown; null for non-role changes. */
    role: t.text(),
    institutionId: t.bigint(),
    by: t.hex(),
    contract: t.text().notNull(),
    /** The task registry of a registry event (staff, keys and grants are per registry); null for others. */
    registry: t.hex(),
    task: t.text(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ accountIdx: index().on(t.account), registryIdx: index().on(t.registry) }),
);

/** Every model ever published, with what became of it. */
export const model = onchainTable(
  "model",
  (t) => ({
    /** The task's registry: with `id`, the model's key (ids restart at 1 in every registry). */
    registry: t.hex().notNull(),
    /** The task's name, e.g. `brain-tumor-mri/type`. */
    task: t.text().notNull(),
    id: t.bigint().notNull(),
    publisher: t.hex().notNull(),
    institutionId: t.bigint().notNull(),
    contentCid: t.text().notNull(),
    keyringCid: t.text().notNull(),
    keyringVersion: t.integer().notNull(),
    sha256: t.hex().notNull(),
    taskId: t.hex().notNull(),
    parentId: t.bigint(),
    accuracyBp: t.integer().notNull(),
    precisionBp: t.integer().notNull(),
    recallBp: t.integer().notNull(),
    f1Bp: t.integer().notNull(),
    aucBp: t.integer().notNull(),
    testSetSize: t.integer().notNull(),
    status: modelStatus("status").notNull(),
    /** Place in the top ten now (0 = best), null when outside it. */
    rank: t.integer(),
    /** Place when published; null when it did not enter the top ten. */
    rankAtPublish: t.integer(),
    isLatest: t.boolean().notNull(),
    revokedReason: t.text(),
    downloadCount: t.integer().notNull(),
    publishedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
  }),
  (t) => ({
    pk: primaryKey({ columns: [t.registry, t.id] }),
    taskIdx: index().on(t.task, t.id),
    institutionIdx: index().on(t.institutionId),
    rankIdx: index().on(t.registry, t.rank),
  }),
);

/** A model's life besides downloads: published, rank changes, keyrings, eviction, revocation. */
export const modelEvent = onchainTable(
  "model_event",
  (t) => ({
    id: t.text().primaryKey(),
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    modelId: t.bigint().notNull(),
    /** `published`, `rank_changed`, `left_top_ten`, `keyring_updated`, `evicted`, `revoked`. */
    change: t.text().notNull(),
    rankBefore: t.integer(),
    rankAfter: t.integer(),
    detail: t.text(),
    by: t.hex(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ modelIdx: index().on(t.registry, t.modelId, t.blockNumber, t.logIndex) }),
);

/** Each task's top ten, best first (one row per task registry): a publish shifts it, a revocation
 * closes a gap. */
/**
 * Every task the TaskDirectory lists (`TaskAdded`): the deployment's and those governance adds
 * later, whose registries the indexer follows from this event on (Ponder's factory).
 */
export const task = onchainTable("task", (t) => ({
  registry: t.hex().primaryKey(),
  taskId: t.hex().notNull(),
  task: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
  logIndex: t.integer().notNull(),
  txHash: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));

export const leaderboard = onchainTable("leaderboard", (t) => ({
  registry: t.hex().primaryKey(),
  task: t.text().notNull(),
  modelIds: t.bigint().array().notNull(),
  latestModelId: t.bigint(),
}));

/** Every recorded download. */
export const download = onchainTable(
  "download",
  (t) => ({
    id: t.text().primaryKey(),
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    modelId: t.bigint().notNull(),
    account: t.hex().notNull(),
    institutionId: t.bigint().notNull(),
    kind: downloadKind("kind").notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({
    orderIdx: index().on(t.blockNumber, t.logIndex),
    // No index on `task`: a handful of tasks would make it unselective, and it would cost every
    // download a write during backfill; `?task=` scans in chain order like the other filters.
    modelIdx: index().on(t.registry, t.modelId, t.timestamp),
    institutionIdx: index().on(t.institutionId, t.timestamp),
    accountIdx: index().on(t.account, t.timestamp),
    timeIdx: index().on(t.timestamp),
  }),
);

/** A patient's access to one model from one institution (its latest state). */
export const patientGrant = onchainTable(
  "patient_grant",
  (t) => ({
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    patient: t.hex().notNull(),
    modelId: t.bigint().notNull(),
    institutionId: t.bigint().notNull(),
    expiresAt: t.bigint().notNull(),
    revoked: t.boolean().notNull(),
    grantedBlock: t.bigint().notNull(),
    grantedTx: t.hex().notNull(),
    grantedAt: t.bigint().notNull(),
    revokedBlock: t.bigint(),
    revokedTx: t.hex(),
    revokedAt: t.bigint(),
  }),
  (t) => ({ pk: primaryKey({ columns: [t.registry, t.patient, t.modelId, t.institutionId] }) }),
);

/** Every keyring a model has had; version 1 is the one published with it. */
export const keyring = onchainTable(
  "keyring",
  (t) => ({
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    modelId: t.bigint().notNull(),
    version: t.integer().notNull(),
    cid: t.text().notNull(),
    by: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ pk: primaryKey({ columns: [t.registry, t.modelId, t.version] }) }),
);

/** A governance proposal and its tally. */
export const proposal = onchainTable("proposal", (t) => ({
  id: t.bigint().primaryKey(),
  proposer: t.hex().notNull(),
  description: t.text().notNull(),
  targets: t.json().$type<string[]>().notNull(),
  values: t.json().$type<string[]>().notNull(),
  calldatas: t.json().$type<string[]>().notNull(),
  voteStart: t.bigint().notNull(),
  voteEnd: t.bigint().notNull(),
  state: proposalState("state").notNull(),
  forVotes: t.bigint().notNull(),
  againstVotes: t.bigint().notNull(),
  abstainVotes: t.bigint().notNull(),
  /** Votes needed, read from the Governor at the proposal's snapshot once voting has begun. */
  quorum: t.bigint(),
  /** When the timelock lets it execute (unix seconds), once queued. */
  eta: t.bigint(),
  createdBlock: t.bigint().notNull(),
  createdTx: t.hex().notNull(),
  createdAt: t.bigint().notNull(),
  queuedTx: t.hex(),
  executedTx: t.hex(),
  canceledTx: t.hex(),
}));

/** One vote. */
export const vote = onchainTable(
  "vote",
  (t) => ({
    id: t.text().primaryKey(),
    proposalId: t.bigint().notNull(),
    voter: t.hex().notNull(),
    /** 0 against, 1 for, 2 abstain (Governor's counting). */
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ proposalIdx: index().on(t.proposalId) }),
);

/** Every evaluation a member institution submitted (registry v3), one row per submission:
 * the history of each (model, institution) record. Metrics in basis points. */
export const evaluation = onchainTable(
  "evaluation",
  (t) => ({
    id: t.text().primaryKey(),
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    modelId: t.bigint().notNull(),
    institutionId: t.bigint().notNull(),
    evaluator: t.hex().notNull(),
    accuracy: t.integer().notNull(),
    precision: t.integer().notNull(),
    recall: t.integer().notNull(),
    specificity: t.integer().notNull(),
    f1: t.integer().notNull(),
    auc: t.integer().notNull(),
    positives: t.bigint().notNull(),
    negatives: t.bigint().notNull(),
    fingerprint: t.hex().notNull(),
    /** "major.minor.patch" of the evaluating software. */
    codeVersion: t.text().notNull(),
    cardVersion: t.integer().notNull(),
    publisherSite: t.boolean().notNull(),
    replaced: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({
    modelIdx: index().on(t.registry, t.modelId, t.blockNumber, t.logIndex),
    taskIdx: index().on(t.task),
    institutionIdx: index().on(t.institutionId),
  }),
);

/** A model's score history (registry v3 `ModelScored`): the score after each change (basis
 * points), whether verified, by how many institutions, and its place (null = not ranked). The
 * claim at publish is the model row's metrics. */
export const modelScore = onchainTable(
  "model_score",
  (t) => ({
    id: t.text().primaryKey(),
    registry: t.hex().notNull(),
    task: t.text().notNull(),
    modelId: t.bigint().notNull(),
    f1: t.integer().notNull(),
    accuracy: t.integer().notNull(),
    verified: t.boolean().notNull(),
    independentEvaluations: t.integer().notNull(),
    rank: t.integer(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ modelIdx: index().on(t.registry, t.modelId, t.blockNumber, t.logIndex) }),
);

/** Events without a table of their own (settings, pauses, timelock operations, upgrades...). */
export const contractEvent = onchainTable(
  "contract_event",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    /** The emitting contract's address (which task registry, for a registry event). */
    address: t.hex().notNull(),
    /** The task of a registry event; null for the other contracts. */
    task: t.text(),
    name: t.text().notNull(),
    args: t.json().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (t) => ({ nameIdx: index().on(t.contract, t.name) }),
);

export const institutionRelations = relations(institution, ({ many }) => ({
  models: many(model),
  downloads: many(download),
  accounts: many(account),
}));
export const modelRelations = relations(model, ({ one, many }) => ({
  institution: one(institution, { fields: [model.institutionId], references: [institution.id] }),
  downloads: many(download),
  events: many(modelEvent),
  keyrings: many(keyring),
  evaluations: many(evaluation),
  scores: many(modelScore),
}));
export const downloadRelations = relations(download, ({ one }) => ({
  model: one(model, {
    fields: [download.registry, download.modelId],
    references: [model.registry, model.id],
  }),
  institution: one(institution, { fields: [download.institutionId], references: [institution.id] }),
}));
export const accountRelations = relations(account, ({ one, many }) => ({
  institution: one(institution, { fields: [account.institutionId], references: [institution.id] }),
  events: many(accountEvent),
}));
export const modelEventRelations = relations(modelEvent, ({ one }) => ({
  model: one(model, {
    fields: [modelEvent.registry, modelEvent.modelId],
    references: [model.registry, model.id],
  }),
}));
export const keyringRelations = relations(keyring, ({ one }) => ({
  model: one(model, {
    fields: [keyring.registry, keyring.modelId],
    references: [model.registry, model.id],
  }),
}));
export const evaluationRelations = relations(evaluation, ({ one }) => ({
  model: one(model, {
    fields: [evaluation.registry, evaluation.modelId],
    references: [model.registry, model.id],
  }),
  institution: one(institution, {
    fields: [evaluation.institutionId],
    references: [institution.id],
  }),
}));
export const modelScoreRelations = relations(modelScore, ({ one }) => ({
  model: one(model, {
    fields: [modelScore.registry, modelScore.modelId],
    references: [model.registry, model.id],
  }),
}));
export const proposalRelations = relations(proposal, ({ many }) => ({ votes: many(vote) }));
export const voteRelations = relations(vote, ({ one }) => ({
  proposal: one(proposal, { fields: [vote.proposalId], references: [proposal.id] }),
}));
export const accountEventRelations = relations(accountEvent, ({ one }) => ({
  // Not `account`: that is the column holding the address.
  accountRecord: one(account, { fields: [accountEvent.account], references: [account.address] }),
}));
