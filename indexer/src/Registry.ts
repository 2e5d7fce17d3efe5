import { ponder } from "ponder:registry";
import {
  account,
  accountEvent,
  download,
  evaluation,
  institution,
  keyring,
  leaderboard,
  model,
  modelEvent,
  modelScore,
  patientGrant,
  task as taskTable,
} from "ponder:schema";
import type { Address, Hex } from "viem";
import { cidToString } from "../lib/cid.ts";
import { loadDeployment, registryAbi, roleName, taskDirectoryAbi } from "../lib/contracts.ts";
import { logOtherEvents } from "../lib/eventLog.ts";
import { enter, leave, rankChanges, UNRANKED } from "../lib/leaderboard.ts";
import { readSettings } from "../lib/settings.ts";

const KINDS = ["member", "staff", "patient"] as const;

// The same deployment file as ponder.config.ts: its task list names the registries `Registry`
// follows; a registry governance lists later (`AddedRegistry`) is named by its TaskAdded.
const settings = readSettings();
const deployment = loadDeployment(settings.NEUROLEDGER_CHAIN_ID, settings.NEUROLEDGER_DEPLOYMENT);
const deploymentTaskOf = new Map(deployment.tasks.map((t) => [t.registry.toLowerCase(), t.task]));

type Ctx = Parameters<Parameters<typeof ponder.on<"Registry:ModelPublished">>[1]>[0]["context"];
type Evt = {
  id: string;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number; address: Address };
  transaction: { hash: Hex };
};

/**
 * The task of a registry: the deployment's list, else the `task` table (its TaskAdded, indexed
 * first: src/TaskDirectory.ts), else the directory itself at the event's block (an event of the
 * registry earlier in the block that listed it, before the TaskAdded row exists).
 * @throws Error naming the registry when no task has it (the directory never listed it)
 */
async function taskOfRegistry(context: Ctx, registry: Address): Promise<string> {
  const named = deploymentTaskOf.get(registry);
  if (named !== undefined) return named;
  const row = await context.db.find(taskTable, { registry });
  if (row) return row.task;
  const directory = deployment.taskDirectory;
  if (directory !== undefined) {
    const read = { address: directory, abi: taskDirectoryAbi } as const;
    const count = await context.client.readContract({ ...read, functionName: "taskCount" });
    for (let i = 0n; i < count; i += 1n) {
      const [, name, listed] = await context.client.readContract({
        ...read,
        functionName: "taskAt",
        args: [i],
      });
      if (listed.toLowerCase() === registry) return name;
    }
  }
  throw new Error(
    `no task has the registry ${registry}: neither the deployment nor the TaskDirectory lists it`,
  );
}

/** The task registry an event came from and its task's name: on every row about a model. */
async function origin(event: Evt, context: Ctx) {
  const registry = event.log.address.toLowerCase() as Address;
  return { registry, task: await taskOfRegistry(context, registry) };
}

/** A registry the `Registry` entry follows (the deployment's), so `AddedRegistry` skips it. */
const followedByRegistry = (address: string) => deploymentTaskOf.has(address.toLowerCase());

type RegistryEventName = Parameters<typeof ponder.on>[0] extends infer N
  ? N extends `Registry:${infer E}`
    ? E
    : never
  : never;

/**
 * Registers a handler for a registry event from both config entries: `Registry` (the
 * deployment's registries, from the deploy block) and `AddedRegistry` (Ponder's factory on
 * TaskAdded). The factory finds the deployment's registries too; their events are skipped there,
 * so each event is handled once.
 */
function onRegistry<E extends RegistryEventName>(
  name: E,
  handler: Parameters<typeof ponder.on<`Registry:${E}`>>[1],
) {
  const on = ponder.on.bind(ponder) as unknown as (
    key: string,
    fn: (args: { event: { log: { address: Address } } }) => Promise<void>,
  ) => void;
  const run = handler as unknown as (args: {
    event: { log: { address: Address } };
  }) => Promise<void>;
  on(`Registry:${name}`, run);
  on(`AddedRegistry:${name}`, async (args) => {
    if (followedByRegistry(args.event.log.address)) return;
    await run(args);
  });
}

const at = (event: Evt) => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  txHash: event.transaction.hash,
  timestamp: event.block.timestamp,
});

/** Creates the account row on first sight, with no roles. */
async function ensureAccount(context: Ctx, address: Address, blockNumber: bigint) {
  await context.db
    .insert(account)
    .values({
      address,
      kind: "none",
      publisher: false,
      auditor: false,
      guardian: false,
      admin: false,
      updatedBlock: blockNumber,
    })
    .onConflictDoNothing();
}

/** The top ten and latest model of the event's task registry. */
async function readLeaderboard(context: Ctx, event: Evt) {
  const { registry, task } = await origin(event, context);
  return (
    (await context.db.find(leaderboard, { registry })) ?? {
      registry,
      task,
      modelIds: [] as bigint[],
      latestModelId: null as bigint | null,
    }
  );
}

/** Stores the new top ten and writes each model's new rank and a history row per change. */
async function moveRanks(
  context: Ctx,
  event: Evt,
  before: readonly bigint[],
  after: bigint[],
  latestModelId: bigint | null,
  skip?: bigint,
) {
  const { registry, task } = await origin(event, context);
  await context.db
    .insert(leaderboard)
    .values({ registry, task, modelIds: after, latestModelId })
    .onConflictDoUpdate({ modelIds: after, latestModelId });
  for (const change of rankChanges(before, after)) {
    if (change.modelId === skip) continue;
    const key = { registry, id: change.modelId };
    if (!(await context.db.find(model, key))) continue;
    await context.db.update(model, key).set({ rank: change.after });
    await context.db.insert(modelEvent).values({
      id: `${event.id}-rank-${change.modelId}`,
      registry,
      task,
      modelId: change.modelId,
      change: change.after === null ? "left_top_ten" : "rank_changed",
      rankBefore: change.before,
      rankAfter: change.after,
      ...at(event),
    });
  }
}

onRegistry("ModelPublished", async ({ event, context }) => {
  const a = event.args;
  const ranked = a.rank !== UNRANKED;
  const { registry, task } = await origin(event, context);
  const board = await readLeaderboard(context, event);
  const previous = board.latestModelId === null ? null : { registry, id: board.latestModelId };
  if (previous && (await context.db.find(model, previous))) {
    await context.db.update(model, previous).set({ isLatest: false });
  }
  await context.db.insert(model).values({
    registry,
    task,
    id: a.modelId,
    publisher: a.publisher,
    institutionId: a.institutionId,
    contentCid: cidToString(a.content),
    keyringCid: cidToString(a.keyring),
    keyringVersion: 1,
    sha256: a.sha256,
    taskId: a.taskId,
    parentId: a.parentId === 0n ? null : a.parentId,
    accuracyBp: a.metrics.accuracy,
    precisionBp: a.metrics.precision,
    recallBp: a.metrics.recall,
    f1Bp: a.metrics.f1,
    aucBp: a.metrics.auc,
    testSetSize: a.metrics.testSetSize,
    status: "active",
    rank: ranked ? a.rank : null,
    rankAtPublish: ranked ? a.rank : null,
    isLatest: true,
    downloadCount: 0,
    publishedAt: event.block.timestamp,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    txHash: event.transaction.hash,
  });
  await context.db.insert(modelEvent).values({
    id: event.id,
    registry,
    task,
    modelId: a.modelId,
    change: "published",
    rankAfter: ranked ? a.rank : null,
    by: a.publisher,
    ...at(event),
  });
  await context.db.insert(keyring).values({
    registry,
    task,
    modelId: a.modelId,
    version: 1,
    cid: cidToString(a.keyring),
    by: a.publisher,
    blockNumber: event.block.number,
    txHash: event.transaction.hash,
    timestamp: event.block.timestamp,
  });
  if (await context.db.find(institution, { id: a.institutionId })) {
    await context.db
      .update(institution, { id: a.institutionId })
      .set((row) => ({ modelCount: row.modelCount + 1 }));
  }
  const after = ranked ? enter(board.modelIds, a.modelId, a.rank) : [...board.modelIds];
  await moveRanks(context, event, board.modelIds, after, a.modelId, a.modelId);
});

onRegistry("ModelEvicted", async ({ event, context }) => {
  const { modelId } = event.args;
  const { registry, task } = await origin(event, context);
  const board = await readLeaderboard(context, event);
  const after = leave(board.modelIds, modelId);
  await moveRanks(
    context,
    event,
    board.modelIds,
    after,
    board.latestModelId === modelId ? null : board.latestModelId,
    modelId,
  );
  await context.db
    .update(model, { registry, id: modelId })
    .set({ status: "evicted", rank: null, isLatest: false });
  await context.db
    .insert(modelEvent)
    .values({ id: event.id, registry, task, modelId, change: "evicted", ...at(event) });
});

onRegistry("ModelRevoked", async ({ event, context }) => {
  const { modelId, by, reason } = event.args;
  const { registry, task } = await origin(event, context);
  const board = await readLeaderboard(context, event);
  const after = leave(board.modelIds, modelId);
  await moveRanks(
    context,
    event,
    board.modelIds,
    after,
    board.latestModelId === modelId ? null : board.latestModelId,
    modelId,
  );
  await context.db
    .update(model, { registry, id: modelId })
    .set({ status: "revoked", rank: null, isLatest: false, revokedReason: reason });
  await context.db.insert(modelEvent).values({
    id: event.id,
    registry,
    task,
    modelId,
    change: "revoked",
    detail: reason,
    by,
    ...at(event),
  });
});

onRegistry("KeyringUpdated", async ({ event, context }) => {
  const { modelId, by, version } = event.args;
  const { registry, task } = await origin(event, context);
  const cid = cidToString(event.args.keyring);
  await context.db
    .update(model, { registry, id: modelId })
    .set({ keyringCid: cid, keyringVersion: version });
  await context.db.insert(keyring).values({
    registry,
    task,
    modelId,
    version,
    cid,
    by,
    blockNumber: event.block.number,
    txHash: event.transaction.hash,
    timestamp: event.block.timestamp,
  });
  await context.db.insert(modelEvent).values({
    id: event.id,
    registry,
    task,
    modelId,
    change: "keyring_updated",
    detail: `v${version} ${cid}`,
    by,
    ...at(event),
  });
});

onRegistry("ModelDownloaded", async ({ event, context }) => {
  const { modelId, account: who, institutionId, kind } = event.args;
  const { registry, task } = await origin(event, context);
  await context.db.insert(download).values({
    id: event.id,
    registry,
    task,
    modelId,
    account: who,
    institutionId,
    kind: KINDS[kind] ?? "member",
    ...at(event),
  });
  await context.db
    .update(model, { registry, id: modelId })
    .set((row) => ({ downloadCount: row.downloadCount + 1 }));
  if (await context.db.find(institution, { id: institutionId })) {
    await context.db
      .update(institution, { id: institutionId })
      .set((row) => ({ downloadCount: row.downloadCount + 1 }));
  }
});

onRegistry("EncryptionKeySet", async ({ event, context }) => {
  await ensureAccount(context, event.args.account, event.block.number);
  await context.db
    .update(account, { address: event.args.account })
    .set({ encryptionKey: event.args.newKey, updatedBlock: event.block.number });
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: event.args.account,
    change: "encryption_key_set",
    contract: "Registry",
    ...(await origin(event, context)),
    ...at(event),
  });
});

for (const [name, kind, change] of [
  ["StaffAdded", "staff", "staff_added"],
  ["StaffRemoved", "none", "staff_removed"],
] as const) {
  onRegistry(name, async ({ event, context }) => {
    const { account: who, institutionId, by } = event.args;
    await ensureAccount(context, who, event.block.number);
    await context.db.update(account, { address: who }).set({
      kind,
      institutionId: kind === "none" ? null : institutionId,
      updatedBlock: event.block.number,
    });
    await context.db.insert(accountEvent).values({
      id: event.id,
      account: who,
      change,
      institutionId,
      by,
      contract: "Registry",
      ...(await origin(event, context)),
      ...at(event),
    });
  });
}

onRegistry("MembershipSynced", async ({ event, context }) => {
  const { account: who, institutionId, isMember } = event.args;
  await ensureAccount(context, who, event.block.number);
  await context.db.update(account, { address: who }).set({
    kind: isMember ? "member" : "none",
    institutionId: isMember ? institutionId : null,
    updatedBlock: event.block.number,
  });
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: who,
    change: isMember ? "registry_member_added" : "registry_member_removed",
    institutionId,
    contract: "Registry",
    ...(await origin(event, context)),
    ...at(event),
  });
});

onRegistry("PatientAccessGranted", async ({ event, context }) => {
  const { patient, modelId, institutionId, expiresAt } = event.args;
  const { registry, task } = await origin(event, context);
  await ensureAccount(context, patient, event.block.number);
  const row = await context.db.find(account, { address: patient });
  if (row?.kind === "none") {
    await context.db
      .update(account, { address: patient })
      .set({ kind: "patient", updatedBlock: event.block.number });
  }
  const values = {
    expiresAt: BigInt(expiresAt),
    revoked: false,
    grantedBlock: event.block.number,
    grantedTx: event.transaction.hash,
    grantedAt: event.block.timestamp,
    revokedBlock: null,
    revokedTx: null,
    revokedAt: null,
  };
  await context.db
    .insert(patientGrant)
    .values({ registry, task, patient, modelId, institutionId, ...values })
    .onConflictDoUpdate(values);
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: patient,
    change: "patient_access_granted",
    institutionId,
    contract: "Registry",
    ...(await origin(event, context)),
    ...at(event),
  });
});

onRegistry("PatientAccessRevoked", async ({ event, context }) => {
  const { patient, modelId, institutionId } = event.args;
  const key = {
    registry: (await origin(event, context)).registry,
    patient,
    modelId,
    institutionId,
  };
  if (await context.db.find(patientGrant, key)) {
    await context.db.update(patientGrant, key).set({
      revoked: true,
      revokedBlock: event.block.number,
      revokedTx: event.transaction.hash,
      revokedAt: event.block.timestamp,
    });
  }
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: patient,
    change: "patient_access_revoked",
    institutionId,
    contract: "Registry",
    ...(await origin(event, context)),
    ...at(event),
  });
});

const roleFlag: Record<string, "publisher" | "auditor" | "guardian" | "admin"> = {
  PUBLISHER_ROLE: "publisher",
  AUDITOR_ROLE: "auditor",
  GUARDIAN_ROLE: "guardian",
  DEFAULT_ADMIN_ROLE: "admin",
};

for (const [name, granted] of [
  ["RoleGranted", true],
  ["RoleRevoked", false],
] as const) {
  onRegistry(name, async ({ event, context }) => {
    const { role, account: who, sender } = event.args;
    const named = roleName(role);
    await ensureAccount(context, who, event.block.number);
    const flag = roleFlag[named];
    if (flag) {
      await context.db
        .update(account, { address: who })
        .set({ [flag]: granted, updatedBlock: event.block.number });
    }
    await context.db.insert(accountEvent).values({
      id: event.id,
      account: who,
      change: granted ? "role_granted" : "role_revoked",
      role: named,
      by: sender,
      contract: "Registry",
      ...(await origin(event, context)),
      ...at(event),
    });
  });
}

onRegistry("EvaluationSubmitted", async ({ event, context }) => {
  const { modelId, institutionId, evaluator, publisherSite, replaced } = event.args;
  const e = event.args.evaluation;
  await context.db.insert(evaluation).values({
    id: event.id,
    ...(await origin(event, context)),
    modelId,
    institutionId,
    evaluator,
    accuracy: e.accuracy,
    precision: e.precision,
    recall: e.recall,
    specificity: e.specificity,
    f1: e.f1,
    auc: e.auc,
    positives: BigInt(e.positives),
    negatives: BigInt(e.negatives),
    fingerprint: e.fingerprint,
    codeVersion: `${(e.codeVersion >> 16) & 255}.${(e.codeVersion >> 8) & 255}.${e.codeVersion & 255}`,
    cardVersion: e.cardVersion,
    publisherSite,
    replaced,
    ...at(event),
  });
});

/** A model's score changed and it moved to `rank` (255: out of the top ten, still kept or evicted next). */
onRegistry("ModelScored", async ({ event, context }) => {
  const { modelId, f1, accuracy, verified, independentEvaluations, rank } = event.args;
  await context.db.insert(modelScore).values({
    id: event.id,
    ...(await origin(event, context)),
    modelId,
    f1,
    accuracy,
    verified,
    independentEvaluations,
    rank: rank === UNRANKED ? null : rank,
    ...at(event),
  });
  const board = await readLeaderboard(context, event);
  const without = leave(board.modelIds, modelId);
  const after = rank === UNRANKED ? without : enter(without, modelId, rank);
  await moveRanks(context, event, board.modelIds, after, board.latestModelId);
});

logOtherEvents(
  "Registry",
  registryAbi,
  new Set([
    "ModelPublished",
    "ModelEvicted",
    "ModelRevoked",
    "KeyringUpdated",
    "ModelDownloaded",
    "EncryptionKeySet",
    "StaffAdded",
    "StaffRemoved",
    "MembershipSynced",
    "PatientAccessGranted",
    "PatientAccessRevoked",
    "RoleGranted",
    "RoleRevoked",
    "EvaluationSubmitted",
    "ModelScored",
  ]),
  {
    taskOf: (address, context) => taskOfRegistry(context as Ctx, address.toLowerCase() as Address),
    alsoFrom: ["AddedRegistry"],
    skip: (entry, address) => entry === "AddedRegistry" && followedByRegistry(address),
  },
);
