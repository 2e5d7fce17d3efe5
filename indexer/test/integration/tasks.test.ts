import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { modelRegistryAbi } from "@neuroledger/chain";
import { type Address, type Hex, keccak256, parseEventLogs, toBytes } from "viem";
import { freePort, type IndexerHandle, startIndexer } from "../../lib/service/index.ts";
import type { DownloadRow, EvaluationRow, ModelRow, ScoreRow } from "../../src/api/audit/rows.ts";
import { deployDev, type LocalChain, startChain } from "../helpers/chain.ts";
import { dev } from "../helpers/scenario.ts";
import { signIn } from "../helpers/siwe.ts";
import { graphql } from "../helpers/tables.ts";
import {
  BINARY_TASK,
  publishFor,
  registryCall,
  TYPE_TASK,
  typeTaskRegistry,
} from "../helpers/tasks.ts";

// Issue 15: two task registries on one chain, each with a model id 1 (ids restart per registry),
// downloads, patient grants, keyrings and an evaluation in both. The indexer must keep them apart
// (a model is `(registry, id)`), say the task on every row, filter by `?task=` and refuse an
// unknown task with a 400 naming the known ones.

const DAY = 86_400;

let chain: LocalChain;
let tmp: string;
let indexer: IndexerHandle;
/** The auditor's session (Sign-In with Ethereum, as in production). */
let token: string;
let registries: Record<string, Address>;
type Download = { task: string; modelId: bigint; account: Address; txHash: Hex };
const downloads: Download[] = [];
const published: Record<string, Hex> = {};

/** GET an audit route as the signed-in auditor. */
const get = (path: string) =>
  fetch(`${indexer.auditUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function getJson(path: string) {
  const res = await get(path);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function downloadBy(task: string, who: (typeof dev)[keyof typeof dev], modelId: bigint) {
  const receipt = await registryCall(chain, registries[task]!, who, "recordDownload", [modelId]);
  const [log] = parseEventLogs({
    abi: modelRegistryAbi,
    logs: receipt.logs,
    eventName: "ModelDownloaded",
  });
  assert.ok(log, "a ModelDownloaded event");
  downloads.push({ task, modelId, account: who.address, txHash: receipt.transactionHash });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "nl-indexer-tasks-"));
  chain = await startChain();
  const binaryFile = await deployDev(chain.rpcUrl, tmp);
  const binary = JSON.parse(readFileSync(binaryFile, "utf8")) as {
    contracts: { registry: { address: Address } };
  };
  const { deploymentFile, typeRegistry } = typeTaskRegistry(binaryFile);
  registries = {
    [BINARY_TASK]: binary.contracts.registry.address.toLowerCase() as Address,
    [TYPE_TASK]: typeRegistry.toLowerCase() as Address,
  };

  // Model 1 in each task; the type task also gets a model 2 (its latest).
  for (const task of [BINARY_TASK, TYPE_TASK]) {
    const { modelId, txHash } = await publishFor(chain, registries[task]!, task, "first", 9000);
    assert.equal(modelId, 1n, `ids start at 1 in ${task}`);
    published[task] = txHash;
  }
  assert.equal(
    (await publishFor(chain, registries[TYPE_TASK]!, TYPE_TASK, "second", 8000)).modelId,
    2n,
  );
  // A keyring v2 and a patient grant for model 1 of each task: same (model, version) and
  // (patient, model, institution) keys in two registries.
  const in30Days = BigInt(Number((await chain.publicClient.getBlock()).timestamp) + 30 * DAY);
  for (const task of [BINARY_TASK, TYPE_TASK]) {
    await registryCall(chain, registries[task]!, dev.publisher, "updateKeyring", [
      1n,
      { digest: keccak256(toBytes(`${task} keyring v2`)), codec: 0x70 },
    ]);
    await registryCall(chain, registries[task]!, dev.institutionA, "grantPatientAccess", [
      dev.patient.address,
      1n,
      in30Days,
    ]);
  }
  await registryCall(chain, registries[TYPE_TASK]!, dev.institutionA, "revokePatientAccess", [
    dev.patient.address,
    1n,
  ]);

  // Staff of Cedar in the type task's registry only (staff are per registry).
  await registryCall(chain, registries[TYPE_TASK]!, dev.institutionC, "addStaff", [
    dev.nonMember.address,
  ]);

  await downloadBy(BINARY_TASK, dev.staff, 1n);
  await downloadBy(TYPE_TASK, dev.staff, 1n);
  await downloadBy(TYPE_TASK, dev.institutionC, 1n);
  await downloadBy(BINARY_TASK, dev.patient, 1n);
  await downloadBy(TYPE_TASK, dev.staff, 2n);

  // Cedar evaluates model 1 of the type task only.
  await registryCall(chain, registries[TYPE_TASK]!, dev.institutionC, "submitEvaluation", [
    1n,
    {
      accuracy: 9050,
      precision: 9000,
      recall: 9000,
      specificity: 9200,
      f1: 9000,
      auc: 9600,
      positives: 300,
      negatives: 100,
      fingerprint: keccak256(toBytes("cedar type set")),
      codeVersion: 0x000100,
      cardVersion: 2,
    },
  ]);

  const port = await freePort();
  indexer = await startIndexer({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    deploymentFile,
    pgliteDir: join(tmp, "pglite"),
    schema: "tasks",
    port,
    auth: "siwe",
    siwe: { domain: `127.0.0.1:${port}` },
    timeoutMs: 120_000,
    log: process.env.NL_TEST_PONDER_LOG ? (line) => console.error(`[ponder] ${line}`) : undefined,
  });
  const auditor = await signIn(indexer.url, dev.auditor, { chainId: chain.chainId });
  assert.equal(auditor.status, 200, JSON.stringify(auditor.body));
  token = auditor.token!;
});

after(async () => {
  try {
    await indexer?.stop(5000);
    await chain?.stop();
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
});

const expectedDownloads = (filter: (d: Download) => boolean) =>
  downloads
    .filter(filter)
    .map((d) => [d.task, registries[d.task], String(d.modelId), d.account.toLowerCase(), d.txHash]);
const shape = (rows: DownloadRow[]) =>
  rows.map((r) => [r.task, r.registry, r.modelId, r.account, r.txHash]);

describe("indexer: several task registries (issue 15)", { timeout: 240_000 }, () => {
  it("keeps model 1 of each task apart, each row naming its task and registry", async () => {
    const { body } = await getJson("/models");
    const models = body.rows as ModelRow[];
    assert.equal(body.total, 3);
    const key = (m: ModelRow) => `${m.task}#${m.id}`;
    assert.deepEqual(models.map(key).sort(), [
      `${BINARY_TASK}#1`,
      `${TYPE_TASK}#1`,
      `${TYPE_TASK}#2`,
    ]);
    for (const m of models) assert.equal(m.registry, registries[m.task]);
    const one = (task: string) => models.find((m) => m.task === task && m.id === "1")!;
    assert.equal(one(BINARY_TASK).txHash, published[BINARY_TASK]);
    assert.equal(one(TYPE_TASK).txHash, published[TYPE_TASK]);
    // Downloads, keyrings and latest flags counted per registry, not per id.
    assert.equal(one(BINARY_TASK).downloadCount, 2);
    assert.equal(one(TYPE_TASK).downloadCount, 2);
    assert.deepEqual([one(BINARY_TASK).keyringVersion, one(TYPE_TASK).keyringVersion], [2, 2]);
    assert.deepEqual([one(BINARY_TASK).isLatest, one(TYPE_TASK).isLatest], [true, false]);
    assert.deepEqual([one(BINARY_TASK).rank, one(TYPE_TASK).rank], [0, 0]);

    const typeOnly = (await getJson(`/models?task=${TYPE_TASK}`)).body;
    assert.equal(typeOnly.total, 2);
    assert.ok((typeOnly.rows as ModelRow[]).every((m) => m.task === TYPE_TASK));
    const csv = await (await get(`/models?task=${BINARY_TASK}&format=csv`)).text();
    const [header, row, end] = csv.split("\r\n");
    assert.match(header!, /,task,registry$/);
    assert.ok(row!.endsWith(`,${BINARY_TASK},${registries[BINARY_TASK]}`));
    assert.equal(end, "");
  });

  it("filters downloads by task (default: every task), with model ids per task", async () => {
    const all = (await getJson("/downloads")).body;
    assert.deepEqual(
      shape(all.rows),
      expectedDownloads(() => true),
    );
    for (const task of [BINARY_TASK, TYPE_TASK]) {
      const page = (await getJson(`/downloads?task=${encodeURIComponent(task)}`)).body;
      assert.deepEqual(
        shape(page.rows),
        expectedDownloads((d) => d.task === task),
      );
      assert.equal(page.total, downloads.filter((d) => d.task === task).length);
    }
    // `model=1` alone is model 1 of every task; with a task, that task's model 1.
    assert.deepEqual(
      shape((await getJson("/downloads?model=1")).body.rows),
      expectedDownloads((d) => d.modelId === 1n),
    );
    assert.deepEqual(
      shape((await getJson(`/downloads?model=1&task=${TYPE_TASK}`)).body.rows),
      expectedDownloads((d) => d.modelId === 1n && d.task === TYPE_TASK),
    );
    const csv = await (await get(`/downloads?task=${TYPE_TASK}&format=csv`)).text();
    assert.equal(
      csv.trim().split("\r\n").length,
      1 + downloads.filter((d) => d.task === TYPE_TASK).length,
    );
    assert.ok(
      csv
        .split("\r\n")
        .slice(1, -1)
        .every((l) => l.endsWith(`,${TYPE_TASK},${registries[TYPE_TASK]}`)),
    );
  });

  it("answers a model's summary, history and scores for the model of the asked task", async () => {
    for (const task of [BINARY_TASK, TYPE_TASK]) {
      const q = `task=${encodeURIComponent(task)}`;
      const summary = (await getJson(`/models/1/summary?${q}`)).body;
      assert.equal(summary.model.task, task);
      assert.equal(summary.model.registry, registries[task]);
      assert.equal(
        summary.total,
        downloads.filter((d) => d.task === task && d.modelId === 1n).length,
      );
      const history = (await getJson(`/models/1/history?${q}`)).body;
      const events = history.events as { event: string; txHash: string }[];
      assert.equal(events[0]!.txHash, published[task]);
      assert.deepEqual(
        events.filter((e) => e.event === "downloaded").map((e) => e.txHash),
        downloads.filter((d) => d.task === task && d.modelId === 1n).map((d) => d.txHash),
      );
      assert.equal(events.filter((e) => e.event === "keyring_updated").length, 1);
    }
    const scores = (await getJson(`/models/1/scores?task=${TYPE_TASK}`)).body;
    const rows = scores.scores as ScoreRow[];
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((s) => s.task === TYPE_TASK && s.registry === registries[TYPE_TASK]));
    assert.equal(rows.at(-1)!.independentEvaluations, 1);
    const binaryScores = (await getJson(`/models/1/scores?task=${BINARY_TASK}`)).body;
    assert.ok((binaryScores.scores as ScoreRow[]).every((s) => s.independentEvaluations === 0));
    // Model 2 exists in one task only: no task needed.
    assert.equal((await getJson("/models/2/summary")).body.model.task, TYPE_TASK);
    // Not in the binary task.
    const missing = await getJson(`/models/2/history?task=${BINARY_TASK}`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no model 2 .* in task brain-tumor-mri\/binary/);
  });

  it("refuses an id that several tasks have without ?task=, naming them", async () => {
    for (const route of ["summary", "history", "scores"]) {
      const res = await getJson(`/models/1/${route}`);
      assert.equal(res.status, 400, route);
      assert.equal(res.body.problems[0].parameter, "task");
      assert.ok(
        res.body.error.includes(BINARY_TASK) && res.body.error.includes(TYPE_TASK),
        res.body.error,
      );
    }
  });

  it("refuses an unknown task with a 400 naming the known ones, on every route that takes one", async () => {
    for (const path of [
      "/downloads",
      "/models",
      "/models/1/summary",
      "/models/1/history",
      "/models/1/scores",
      "/evaluations",
      "/institutions/2/summary",
    ]) {
      for (const bad of [
        "brain-tumor-mri/grade",
        "BRAIN-TUMOR-MRI/TYPE",
        "%20",
        registries[TYPE_TASK],
      ]) {
        const res = await getJson(`${path}?task=${bad}`);
        assert.equal(res.status, 400, `${path}?task=${bad}`);
        assert.equal(res.body.problems[0].parameter, "task");
        if (bad !== "%20") {
          assert.match(res.body.error, /unknown task/);
          assert.ok(res.body.error.includes(`${BINARY_TASK}, ${TYPE_TASK}`), res.body.error);
        }
      }
    }
    // The list of institutions has no task: the parameter is unknown there.
    assert.equal((await getJson(`/institutions?task=${TYPE_TASK}`)).status, 400);
  });

  it("answers odd ?task= values with a 400 naming the parameter, never a 500 or another task's rows (security review)", async () => {
    const enc = encodeURIComponent;
    for (const path of ["/downloads", "/models", "/models/1/history", "/evaluations"]) {
      for (const [query, why] of [
        // Repeated: Hono keeps the first, a proxy in front may read the last.
        [`task=${enc(TYPE_TASK)}&task=${enc(BINARY_TASK)}`, /given 2 times/],
        [`task=${enc(TYPE_TASK)}&task=${enc(TYPE_TASK)}`, /given 2 times/],
        [`task=${"a".repeat(5000)}`, /too long/],
        [`task=${enc(`${TYPE_TASK}\u202e`)}`, /unknown task/],
        [`task=${enc("brain-tumor-mri/type' OR '1'='1")}`, /unknown task/],
        [`task=${enc("\u0000")}`, /unknown task/],
        ["task=%ZZ", /unknown task/],
      ] as const) {
        const res = await getJson(`${path}?${query}`);
        assert.equal(res.status, 400, `${path}?${query.slice(0, 80)}`);
        assert.equal(res.body.problems[0].parameter, "task", `${path}?${query.slice(0, 80)}`);
        assert.match(res.body.error, why, `${path}?${query.slice(0, 80)}`);
      }
    }
    // Every other parameter too (the whole kind, not only `task`).
    const twice = await getJson(`/downloads?model=1&model=2`);
    assert.equal(twice.status, 400);
    assert.deepEqual(twice.body.problems, [
      { parameter: "model", message: "given 2 times; give it once" },
    ]);
  });

  it("files evaluations and an institution's downloads under their task", async () => {
    const all = (await getJson("/evaluations")).body.rows as EvaluationRow[];
    assert.deepEqual(
      all.map((e) => [e.task, e.registry, e.modelId, e.institutionId]),
      [[TYPE_TASK, registries[TYPE_TASK], "1", "3"]],
    );
    assert.deepEqual((await getJson(`/evaluations?task=${BINARY_TASK}`)).body.rows, []);
    assert.equal((await getJson(`/evaluations?task=${TYPE_TASK}&model=1`)).body.rows.length, 1);

    const staff = (await getJson("/institutions/2/summary")).body;
    const byModel = staff.byModel as {
      task: string;
      registry: string;
      modelId: string;
      downloads: number;
    }[];
    const expect = (task: string, modelId: bigint) =>
      downloads.filter(
        (d) => d.task === task && d.modelId === modelId && d.account === dev.staff.address,
      ).length;
    assert.deepEqual(byModel, [
      {
        task: BINARY_TASK,
        registry: registries[BINARY_TASK],
        modelId: "1",
        downloads: expect(BINARY_TASK, 1n),
      },
      {
        task: TYPE_TASK,
        registry: registries[TYPE_TASK],
        modelId: "1",
        downloads: expect(TYPE_TASK, 1n),
      },
      {
        task: TYPE_TASK,
        registry: registries[TYPE_TASK],
        modelId: "2",
        downloads: expect(TYPE_TASK, 2n),
      },
    ]);
    const typeOnly = (await getJson(`/institutions/2/summary?task=${TYPE_TASK}`)).body;
    assert.equal(typeOnly.total, expect(TYPE_TASK, 1n) + expect(TYPE_TASK, 2n));
    const publisherSite = (await getJson(`/institutions/1/summary?task=${TYPE_TASK}`)).body;
    assert.deepEqual(
      (publisherSite.modelsPublished as { task: string; id: string }[]).map((m) => [m.task, m.id]),
      [
        [TYPE_TASK, "1"],
        [TYPE_TASK, "2"],
      ],
    );
  });

  it("exposes task and registry in GraphQL: composite model keys, relations, filters, one leaderboard per task", async () => {
    type Page<T> = { items: T[] };
    const data = await graphql<{
      models: Page<{
        task: string;
        registry: string;
        id: string;
        downloads: Page<{ txHash: string }>;
        keyrings: Page<{ version: number }>;
      }>;
      typeDownloads: Page<{ task: string; model: { task: string; id: string } }>;
      leaderboards: Page<{
        registry: string;
        task: string;
        modelIds: string[];
        latestModelId: string;
      }>;
      patientGrants: Page<{ task: string; registry: string; modelId: string; revoked: boolean }>;
      model: { task: string; downloadCount: number } | null;
    }>(
      indexer.url,
      `query($type: String!, $typeRegistry: String!) {
        models(limit: 10) { items { task registry id downloads(limit: 10) { items { txHash } } keyrings(limit: 10) { items { version } } } }
        typeDownloads: downloads(where: { task: $type }, limit: 10) { items { task model { task id } } }
        leaderboards(limit: 10) { items { registry task modelIds latestModelId } }
        patientGrants(limit: 10) { items { task registry modelId revoked } }
        model(registry: $typeRegistry, id: "1") { task downloadCount }
      }`,
      { type: TYPE_TASK, typeRegistry: registries[TYPE_TASK] },
      token,
    );
    for (const m of data.models.items) {
      // Each model's relations reach its own registry's rows only.
      assert.deepEqual(
        m.downloads.items.map((d) => d.txHash).sort(),
        downloads
          .filter((d) => d.task === m.task && String(d.modelId) === m.id)
          .map((d) => d.txHash)
          .sort(),
      );
      assert.deepEqual(m.keyrings.items.map((k) => k.version).sort(), m.id === "1" ? [1, 2] : [1]);
    }
    assert.equal(
      data.typeDownloads.items.length,
      downloads.filter((d) => d.task === TYPE_TASK).length,
    );
    assert.ok(
      data.typeDownloads.items.every((d) => d.task === TYPE_TASK && d.model.task === TYPE_TASK),
    );
    const boards = Object.fromEntries(data.leaderboards.items.map((b) => [b.task, b]));
    assert.deepEqual(Object.keys(boards).sort(), [BINARY_TASK, TYPE_TASK]);
    assert.deepEqual(
      [boards[BINARY_TASK]!.modelIds, boards[BINARY_TASK]!.latestModelId],
      [["1"], "1"],
    );
    assert.deepEqual(
      [boards[TYPE_TASK]!.modelIds, boards[TYPE_TASK]!.latestModelId],
      [["1", "2"], "2"],
    );
    assert.equal(boards[TYPE_TASK]!.registry, registries[TYPE_TASK]);
    assert.deepEqual(
      data.patientGrants.items.map((g) => [g.task, g.registry, g.modelId, g.revoked]).sort(),
      [
        [BINARY_TASK, registries[BINARY_TASK], "1", false],
        [TYPE_TASK, registries[TYPE_TASK], "1", true],
      ],
    );
    assert.deepEqual(data.model, { task: TYPE_TASK, downloadCount: 2 });
  });

  it("signs in staff of any task's registry (staff are per registry), not outsiders", async () => {
    const staff = await signIn(indexer.url, dev.nonMember, { chainId: chain.chainId });
    assert.equal(staff.status, 200, JSON.stringify(staff.body));
    assert.deepEqual(staff.body.standing, { member: false, staff: true, auditor: false });
    const res = await fetch(`${indexer.auditUrl}/models?task=${TYPE_TASK}`, {
      headers: { authorization: `Bearer ${staff.token}` },
    });
    assert.equal(res.status, 200);
    const outsider = await signIn(indexer.url, dev.patient, { chainId: chain.chainId });
    assert.equal(outsider.status, 403);
  });
});
