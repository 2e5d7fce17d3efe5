import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { consortiumGovernorAbi } from "@neuroledger/chain";
import { createClient } from "@ponder/client";
import { keccak256 } from "viem";
import { cidToString } from "../../lib/cid.ts";
import type { IndexerHandle } from "../../lib/service/index.ts";
import * as schema from "../../ponder.schema.ts";
import type { EvaluationRow, ScoreRow } from "../../src/api/audit/rows.ts";
import { SessionSigner } from "../../src/api/auth/session.ts";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/processes.ts";
import { startSlowRpc } from "../helpers/rpcProxy.ts";
import { dev, TASK } from "../helpers/scenario.ts";
import { signIn } from "../helpers/siwe.ts";
import { type ScenarioStack, SESSION_SECRET, startScenarioStack } from "../helpers/stack.ts";
import { type Dump, dumpTables } from "../helpers/tables.ts";
import { apiRow, byDay, downloadsCsv, isoDay, ordered } from "./expected.ts";

// One chain for the whole file: deployed, driven through the scenario, then indexed several
// times: on PGlite (open, as in the dev stack) and on PostgreSQL (Sign-In with Ethereum).

let stack: ScenarioStack;
let pg: Postgres;
/** The reference tables (PGlite, first indexer, after the live download). */
let reference: Dump;

before(async () => {
  pg = await startPostgres();
  stack = await startScenarioStack();
});

after(async () => {
  try {
    await stack?.stop();
  } finally {
    await pg?.stop();
  }
});

const lower = (a: string) => a.toLowerCase();
const rows = (dump: Dump, table: string) => dump[table] ?? [];

async function getJson(url: string, token?: string) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Kills the indexer with SIGKILL while it is still backfilling through a slowed RPC, restarts it. */
async function killDuringBackfillThenRestart(options: {
  schema: string;
  databaseUrl?: string;
  auth?: "open" | "siwe";
}) {
  const slow = await startSlowRpc(stack.chain.rpcUrl, 150);
  let first: IndexerHandle | undefined;
  try {
    first = await stack.indexer({ ...options, rpcUrl: slow.url, waitFor: "health" });
    // Wait until it has indexed part of the chain, but not all of it.
    const head = Number(await stack.chain.publicClient.getBlockNumber());
    const partial = await waitFor(
      "partial backfill progress",
      async () => {
        const block = await first!.indexedBlock().catch(() => undefined);
        return block !== undefined && block > stack.deployment.startBlock ? block : undefined;
      },
      60_000,
      25,
    );
    const ready = await fetch(`${first.url}/ready`);
    assert.equal(ready.status, 503, "the kill must happen during backfill");
    assert.ok(partial < head, `indexed ${partial} of ${head} blocks before the kill`);
    first.process.kill("SIGKILL");
    await new Promise((r) => first!.process.once("exit", r));
  } finally {
    await slow.stop();
  }
  return stack.indexer({ ...options });
}

describe("on PGlite, open (dev stack)", () => {
  let indexer: IndexerHandle;
  let dump: Dump;

  before(async () => {
    indexer = await stack.indexer({ schema: "lite_a", auth: "open" });
    dump = await dumpTables(indexer.url);
  });

  it("mirrors every download with its block, log index, tx hash, model, account, institution and kind", () => {
    const expected = ordered(stack.ledger).map((d) => ({
      id: rows(dump, "download").find((r) => r.txHash === d.txHash)?.id,
      registry: d.registry,
      task: d.task,
      modelId: String(d.modelId),
      account: lower(d.account),
      institutionId: String(d.institutionId),
      kind: d.kind,
      blockNumber: String(d.blockNumber),
      logIndex: d.logIndex,
      txHash: d.txHash,
      timestamp: String(d.timestamp),
    }));
    const actual = [...rows(dump, "download")].sort(
      (a, b) => Number(a.blockNumber) - Number(b.blockNumber),
    );
    assert.deepEqual(actual, expected);
  });

  it("keeps every model ever published with the chain's status, rank and latest flag", () => {
    const models = rows(dump, "model");
    assert.equal(models.length, 12);
    for (const p of stack.ledger.published) {
      const m = models.find((r) => r.id === String(p.modelId));
      const chain = stack.state.models.get(p.modelId)!;
      assert.ok(m, `model ${p.modelId}`);
      assert.equal(m.status, chain.status, `status of ${p.modelId}`);
      assert.equal(m.rank, chain.rank, `rank of ${p.modelId}`);
      assert.equal(m.isLatest, chain.isLatest, `latest flag of ${p.modelId}`);
      assert.equal(m.f1Bp, p.f1);
      assert.equal(m.txHash, p.txHash);
      assert.equal(m.blockNumber, String(p.blockNumber));
      const downloads = stack.ledger.downloads.filter((d) => d.modelId === p.modelId).length;
      assert.equal(m.downloadCount, downloads, `downloads of ${p.modelId}`);
      assert.equal(m.publisher, lower(dev.publisher.address));
      assert.equal(m.institutionId, "1");
      assert.match(m.contentCid as string, /^b[a-z2-7]{58}$/);
    }
    const m12 = models.find((r) => r.id === "12")!;
    assert.equal(m12.parentId, "10");
    assert.equal(m12.keyringVersion, 2);
    assert.equal(m12.rankAtPublish, 0);
    assert.equal(models.find((r) => r.id === "11")!.rankAtPublish, null);
    assert.equal(
      models.find((r) => r.id === "8")!.revokedReason,
      "training labels leaked into the test set",
    );
    assert.equal(rows(dump, "leaderboard").length, 1);
    const board = rows(dump, "leaderboard")[0]!;
    assert.deepEqual(
      [board.task, board.registry],
      [TASK, lower(stack.deployment.addresses.registry)],
    );
    assert.ok(models.every((m) => m.task === TASK && m.registry === board.registry));
    assert.deepEqual(board.modelIds, stack.state.topTen.map(String));
    assert.equal(board.latestModelId, String(stack.state.latest));
  });

  it("records each model's life: publish, rank changes, leaving the top ten, eviction, revocation, keyrings", () => {
    const life = (id: string) =>
      rows(dump, "modelEvent")
        .filter((e) => e.modelId === id)
        .sort(
          (a, b) =>
            Number(a.blockNumber) - Number(b.blockNumber) ||
            (a.logIndex as number) - (b.logIndex as number),
        )
        .map((e) => [e.change, e.rankBefore, e.rankAfter]);
    // Model 1 entered first, slid down as better models arrived, was pushed out by model 12.
    const m1 = life("1");
    assert.deepEqual(m1[0], ["published", null, 0]);
    assert.deepEqual(
      m1.slice(-2).map((e) => e[0]),
      ["left_top_ten", "evicted"],
    );
    assert.deepEqual(life("11"), [
      ["published", null, null],
      ["evicted", null, null],
    ]);
    assert.deepEqual(life("8").at(-1), ["revoked", null, null]);
    // Model 9 (rank 3) moved up when model 8 (rank 2) was revoked.
    assert.deepEqual(life("9").at(-1), ["rank_changed", 3, 2]);
    assert.deepEqual(life("12"), [
      ["published", null, 0],
      ["keyring_updated", null, null],
    ]);
    const keyrings = rows(dump, "keyring")
      .filter((k) => k.modelId === "12")
      .map((k) => k.version);
    assert.deepEqual(keyrings.sort(), [1, 2]);
    // CIDs are rebuilt from the packed digest + codec the registry stores.
    const m12 = rows(dump, "model").find((m) => m.id === "12")!;
    const sha12 = m12.sha256 as `0x${string}`;
    assert.equal(m12.contentCid, cidToString({ digest: sha12, codec: 0x55 }));
    const v1 = rows(dump, "keyring").find((k) => k.modelId === "12" && k.version === 1)!;
    assert.equal(v1.cid, cidToString({ digest: keccak256(sha12), codec: 0x70 }));
  });

  it("keeps every member evaluation and each model's score history", () => {
    const evaluations = [...rows(dump, "evaluation")].sort(
      (a, b) => Number(a.blockNumber) - Number(b.blockNumber),
    );
    assert.deepEqual(
      evaluations.map((r) => [r.modelId, r.institutionId, r.f1, r.txHash, r.publisherSite]),
      stack.ledger.evaluations.map((e) => [
        String(e.modelId),
        String(e.institutionId),
        e.f1,
        e.txHash,
        false,
      ]),
    );
    assert.equal(evaluations[0]?.codeVersion, "0.1.0");
    assert.equal(evaluations[0]?.evaluator, lower(dev.staff.address));
    const scores = rows(dump, "modelScore").filter((r) => r.modelId === "12");
    assert.deepEqual(
      scores.map((r) => [r.f1, r.verified, r.independentEvaluations, r.rank]),
      [
        [9800, true, 1, 0],
        [9800, true, 2, 0],
      ],
    );
  });

  it("tracks institutions, accounts, roles over time and patient grants", () => {
    const inst = rows(dump, "institution").sort((a, b) => Number(a.id) - Number(b.id));
    assert.deepEqual(
      inst.map((i) => [i.id, i.name, i.account, i.active]),
      [
        ["1", "Aurora University Hospital", lower(dev.institutionA.address), true],
        ["2", "Borealis Medical Center", lower(dev.institutionB.address), true],
        ["3", "Cedar Clinic", lower(dev.institutionC.address), true],
        [String(stack.ledger.institutionD), "Delta Hospital", lower(dev.candidate.address), false],
      ],
    );
    assert.ok(inst[3]!.removedTx && inst[3]!.removedBlock, "Delta's removal is recorded");
    assert.equal(inst[0]!.metadataUri, "https://aurora.example/profile.json");
    assert.equal(
      inst[1]!.downloadCount,
      stack.ledger.downloads.filter((d) => d.institutionId === 2n).length,
    );
    assert.equal(inst[0]!.modelCount, 12);
    const acct = (a: { address: string }) =>
      rows(dump, "account").find((r) => r.address === lower(a.address))!;
    assert.deepEqual([acct(dev.staff).kind, acct(dev.staff).institutionId], ["staff", "2"]);
    assert.ok(acct(dev.staff).encryptionKey);
    assert.deepEqual([acct(dev.publisher).kind, acct(dev.publisher).publisher], ["staff", true]);
    assert.equal(acct(dev.auditor).auditor, stack.state.auditorIsAuditor);
    assert.equal(acct(dev.auditor).auditor, true);
    assert.equal(acct(dev.patient).kind, "patient");
    assert.deepEqual([acct(dev.nonMember).kind, acct(dev.nonMember).institutionId], ["none", null]);
    // Delta was admitted, then removed by vote.
    assert.deepEqual([acct(dev.candidate).kind, acct(dev.candidate).institutionId], ["none", null]);
    const changes = (a: { address: string }) =>
      rows(dump, "accountEvent")
        .filter((e) => e.account === lower(a.address))
        .sort((x, y) => Number(x.blockNumber) - Number(y.blockNumber))
        .map((e) => e.role ?? e.change);
    assert.deepEqual(changes(dev.nonMember), ["staff_added", "staff_removed"]);
    const delta = changes(dev.candidate);
    for (const change of [
      "institution_admitted",
      "registry_member_added",
      "institution_removed",
      "registry_member_removed",
    ]) {
      assert.ok(delta.includes(change), `${change} for Delta`);
    }
    assert.ok(changes(dev.auditor).includes("AUDITOR_ROLE"));
    const grants = rows(dump, "patientGrant")
      .map((g) => [g.modelId, g.institutionId, g.revoked])
      .sort();
    assert.deepEqual(grants, [
      ["10", "2", true],
      ["12", "1", false],
    ]);
  });

  it("mirrors proposals with tallies, quorum and eta, and every vote", async () => {
    const proposals = rows(dump, "proposal");
    assert.equal(proposals.length, stack.ledger.proposals.length);
    for (const p of stack.ledger.proposals) {
      const row = proposals.find((r) => r.id === String(p.id))!;
      assert.equal(row.state, p.state);
      if (p.state === "executed") {
        assert.deepEqual([row.forVotes, row.againstVotes, row.abstainVotes], ["2", "1", "0"]);
        const quorum = await stack.chain.publicClient.readContract({
          address: stack.deployment.addresses.governor,
          abi: consortiumGovernorAbi,
          functionName: "quorum",
          args: [BigInt(row.voteStart as string)],
        });
        assert.equal(row.quorum, String(quorum));
        assert.ok(row.eta && row.executedTx);
      } else {
        assert.ok(row.canceledTx);
      }
      const votes = rows(dump, "vote").filter((v) => v.proposalId === String(p.id));
      assert.deepEqual(
        votes.map((v) => [v.voter, v.support]).sort(),
        p.votes.map((v) => [lower(v.voter), v.support]).sort(),
      );
    }
    assert.ok(rows(dump, "vote").some((v) => v.reason === "needs more review"));
  });

  it("logs every other event: pauses, timelock operations, token and delegation events", () => {
    const seen = new Set(rows(dump, "contractEvent").map((e) => `${e.contract}:${e.name}`));
    for (const name of [
      "Registry:Paused",
      "Registry:Unpaused",
      "Membership:Locked",
      "Membership:Transfer",
      "Membership:DelegateVotesChanged",
      "Membership:ObserverChanged",
      "Timelock:CallScheduled",
      "Timelock:CallExecuted",
    ]) {
      assert.ok(seen.has(name), `${name} in contract_event`);
    }
  });

  it("answers the audit questions: downloads by filter, paginated, JSON and CSV", async () => {
    const all = ordered(stack.ledger);
    const q = async (query: string) =>
      (await getJson(`${indexer.auditUrl}/downloads?${query}`)).body;
    const byModel = await q("model=12");
    assert.deepEqual(byModel.rows, all.filter((d) => d.modelId === 12n).map(apiRow));
    assert.equal(byModel.total, all.filter((d) => d.modelId === 12n).length);
    const viaId = await q("institution=2");
    const viaAddress = await q(`institution=${dev.institutionB.address}`);
    assert.deepEqual(viaId.rows, all.filter((d) => d.institutionId === 2n).map(apiRow));
    assert.deepEqual(viaAddress.rows, viaId.rows);
    assert.deepEqual(
      (await q(`account=${dev.staff.address}`)).rows,
      all.filter((d) => d.account === dev.staff.address).map(apiRow),
    );
    assert.deepEqual(
      (await q("kind=patient")).rows,
      all.filter((d) => d.kind === "patient").map(apiRow),
    );
    const day = isoDay(all[4]!.timestamp);
    assert.deepEqual(
      (await q(`from=${day}&to=${day}`)).rows,
      all.filter((d) => isoDay(d.timestamp) === day).map(apiRow),
    );
    const page2 = await q("pageSize=3&page=2");
    assert.deepEqual(page2.rows, all.slice(3, 6).map(apiRow));
    assert.deepEqual([page2.total, page2.pages], [all.length, Math.ceil(all.length / 3)]);
    assert.deepEqual((await q(`account=${dev.nonMember.address}`)).rows, []);

    const csv = await fetch(`${indexer.auditUrl}/downloads?model=12&format=csv`);
    assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(await csv.text(), downloadsCsv(all.filter((d) => d.modelId === 12n)));
    const byAccept = await fetch(`${indexer.auditUrl}/downloads?kind=staff`, {
      headers: { accept: "text/csv" },
    });
    assert.equal(await byAccept.text(), downloadsCsv(all.filter((d) => d.kind === "staff")));
  });

  it("summarises a model and an institution by day, and tells a model's whole history", async () => {
    const all = ordered(stack.ledger);
    const model12 = all.filter((d) => d.modelId === 12n);
    const summary = (await getJson(`${indexer.auditUrl}/models/12/summary`)).body;
    assert.equal(summary.total, model12.length);
    assert.deepEqual(summary.byDay, byDay(model12));
    assert.deepEqual(summary.byKind, {
      member: model12.filter((d) => d.kind === "member").length,
      staff: model12.filter((d) => d.kind === "staff").length,
      patient: model12.filter((d) => d.kind === "patient").length,
    });
    const perDayCsv = await (
      await fetch(`${indexer.auditUrl}/models/12/summary?format=csv`)
    ).text();
    assert.equal(perDayCsv.split("\r\n")[0], "day,downloads,member,staff,patient");
    assert.equal(perDayCsv.trim().split("\r\n").length, byDay(model12).length + 1);

    const inst2 = all.filter((d) => d.institutionId === 2n);
    const instSummary = (await getJson(`${indexer.auditUrl}/institutions/2/summary`)).body;
    assert.equal(instSummary.total, inst2.length);
    assert.deepEqual(instSummary.byDay, byDay(inst2));
    assert.deepEqual(
      instSummary.byModel,
      [...new Set(inst2.map((d) => d.modelId))].sort().map((m) => ({
        task: TASK,
        registry: lower(stack.deployment.addresses.registry),
        modelId: String(m),
        downloads: inst2.filter((d) => d.modelId === m).length,
      })),
    );

    const history = (await getJson(`${indexer.auditUrl}/models/12/history`)).body;
    const events = history.events as { event: string; txHash: string }[];
    assert.equal(events[0]!.event, "published");
    assert.equal(events[0]!.txHash, stack.ledger.published[11]!.txHash);
    assert.deepEqual(
      events.filter((e) => e.event === "downloaded").map((e) => e.txHash),
      model12.map((d) => d.txHash),
    );
    assert.ok(events.some((e) => e.event === "keyring_updated"));
    const evicted = (await getJson(`${indexer.auditUrl}/models/1/history`)).body.events as {
      event: string;
    }[];
    assert.equal(evicted.at(-1)!.event, "evicted");
    assert.equal((await getJson(`${indexer.auditUrl}/models/99/summary`)).status, 404);
  });

  it("lists members' evaluations by model, institution and time, JSON and CSV, and a model's score history", async () => {
    const q = async (query: string) =>
      (await getJson(`${indexer.auditUrl}/evaluations?${query}`)).body;
    const all = await q("");
    assert.deepEqual(
      (all.rows as EvaluationRow[]).map((r) => [r.modelId, r.institutionId, r.f1Bp, r.txHash]),
      stack.ledger.evaluations.map((e) => [
        String(e.modelId),
        String(e.institutionId),
        e.f1,
        e.txHash,
      ]),
    );
    assert.equal(all.total, stack.ledger.evaluations.length);
    const first = all.rows[0];
    assert.equal(first.images, "200");
    assert.equal(first.aucBp, 9900);
    assert.equal(first.codeVersion, "0.1.0");
    assert.equal(first.evaluator, lower(dev.staff.address));
    assert.equal(typeof first.institutionName, "string");
    const someInstitution = stack.ledger.evaluations[1]!.institutionId;
    const byInstitution = await q(`institution=${someInstitution}`);
    assert.deepEqual(
      (byInstitution.rows as EvaluationRow[]).map((r) => r.txHash),
      stack.ledger.evaluations
        .filter((e) => e.institutionId === someInstitution)
        .map((e) => e.txHash),
    );
    assert.deepEqual((await q("model=1")).rows, []);
    assert.deepEqual((await q(`institution=${dev.nonMember.address}`)).rows, []);
    assert.deepEqual((await q("from=2000-01-01&to=2000-01-02")).rows, []);
    const day = first.time.slice(0, 10);
    assert.ok((await q(`model=12&from=${day}&to=${day}`)).rows.length >= 1);
    const page2 = await q("pageSize=1&page=2");
    assert.deepEqual(page2.rows, all.rows.slice(1, 2));
    assert.equal(page2.pages, all.total);

    const csv = await fetch(`${indexer.auditUrl}/evaluations?model=12&format=csv`);
    assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    const lines = (await csv.text()).trim().split("\r\n");
    assert.match(lines[0]!, /^blockNumber,logIndex,txHash,time,modelId,institutionId,/);
    assert.equal(lines.length, stack.ledger.evaluations.length + 1);
    assert.ok(lines[1]!.includes(stack.ledger.evaluations[0]!.txHash));

    const scores = (await getJson(`${indexer.auditUrl}/models/12/scores`)).body;
    assert.equal(scores.model.id, "12");
    assert.deepEqual(
      (scores.scores as ScoreRow[]).map((s) => [
        s.f1Bp,
        s.verified,
        s.independentEvaluations,
        s.rank,
      ]),
      [
        [9800, true, 1, 0],
        [9800, true, 2, 0],
      ],
    );
    const scoresCsv = await (await fetch(`${indexer.auditUrl}/models/12/scores?format=csv`)).text();
    assert.equal(
      scoresCsv.split("\r\n")[0],
      "blockNumber,logIndex,txHash,time,modelId,f1Bp,accuracyBp,verified,independentEvaluations,rank,task,registry",
    );
    assert.equal((await getJson(`${indexer.auditUrl}/models/99/scores`)).status, 404);
  });

  it("refuses bad input with a 400 that names the parameter", async () => {
    const cases: [string, string, RegExp][] = [
      ["downloads?account=0x1234", "account", /not an address/],
      ["downloads?from=2026-13-01", "from", /not a real date|not a date/],
      ["downloads?from=2026-11-30&to=2026-11-01", "from", /after `to`/],
      ["downloads?pageSize=100000", "pageSize", /at most 1000/],
      ["downloads?kind=robot", "kind", /./],
      ["downloads?modelId=1", "modelId", /unknown parameter/],
      ["models/abc/history", "id", /non-negative decimal/],
      ["institutions/0xnope/summary", "id", /not an institution/],
      ["evaluations?model=-1", "model", /non-negative decimal/],
      ["evaluations?institution=nobody", "institution", /not an institution/],
      ["evaluations?from=2026-02-31", "from", /not a real date/],
      ["evaluations?from=2026-11-30&to=2026-11-01", "from", /after `to`/],
      ["evaluations?account=0x1234", "account", /unknown parameter/],
      ["models/1x/scores", "id", /non-negative decimal/],
    ];
    for (const [path, parameter, message] of cases) {
      const { status, body } = await getJson(`${indexer.auditUrl}/${path}`);
      assert.equal(status, 400, path);
      assert.equal(body.problems[0].parameter, parameter, path);
      assert.match(body.problems[0].message, message, path);
      assert.match(body.error, /^bad request: /);
    }
  });

  it("serves SQL over HTTP to @ponder/client", async () => {
    const client = createClient(indexer.sqlUrl, { schema });
    const result = await client.db.select().from(schema.download);
    assert.equal(result.length, stack.ledger.downloads.length);
  });

  it("shows a new download through the audit API while live", async () => {
    const { registry } = stack.deployment.addresses;
    const { modelRegistryAbi } = await import("@neuroledger/chain");
    const hash = await stack.chain.wallet(dev.staff).writeContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "recordDownload",
      args: [12n],
    });
    await stack.chain.publicClient.waitForTransactionReceipt({ hash });
    const row = await waitFor(
      "the live download in the audit API",
      async () => {
        const { body } = await getJson(
          `${indexer.auditUrl}/downloads?account=${dev.staff.address}&pageSize=1000`,
        );
        return (body.rows as { txHash: string }[]).find((r) => r.txHash === hash);
      },
      15_000,
    );
    assert.equal(row.txHash, hash);
    reference = await dumpTables(indexer.url);
    assert.equal(rows(reference, "download").length, stack.ledger.downloads.length + 1);
  });

  it("re-indexes from scratch after kill -9 in the middle of backfill: no row lost or doubled", async () => {
    const restarted = await killDuringBackfillThenRestart({ schema: "lite_b", auth: "open" });
    assert.deepEqual(await dumpTables(restarted.url), reference);
    await restarted.stop();
  });
});

describe("on PostgreSQL, Sign-In with Ethereum", () => {
  let indexer: IndexerHandle;
  let token: string;
  const chainId = () => stack.chain.chainId;

  before(async () => {
    indexer = await stack.indexer({ schema: "postgres_a", databaseUrl: pg.url, auth: "siwe" });
  });

  it("signs in an auditor and serves the audit API, GraphQL and SQL to it", async () => {
    const result = await signIn(indexer.url, dev.auditor, { chainId: chainId() });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    token = result.token!;
    assert.deepEqual(result.body.standing, { member: false, staff: false, auditor: true });
    const { status, body } = await getJson(`${indexer.auditUrl}/downloads?model=12`, token);
    assert.equal(status, 200);
    assert.equal(body.total, stack.ledger.downloads.filter((d) => d.modelId === 12n).length + 1);
    const session = await getJson(`${indexer.url}/auth/session`, token);
    assert.equal(session.body.address, dev.auditor.address);
  });

  it("signs in members and staff too", async () => {
    assert.equal((await signIn(indexer.url, dev.institutionC, { chainId: chainId() })).status, 200);
    assert.equal((await signIn(indexer.url, dev.staff, { chainId: chainId() })).status, 200);
  });

  it("refuses requests without a session, with a forged or expired session", async () => {
    for (const path of ["/audit/downloads", "/audit/models/12/history", "/sql/db?sql=select%201"]) {
      const res = await fetch(`${indexer.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.match(((await res.json()) as { error: string }).error, /sign-in required/);
    }
    const gql = await fetch(indexer.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ models { totalCount } }"}',
    });
    assert.equal(gql.status, 401);
    const forged = new SessionSigner("77".repeat(32)).issue(
      dev.auditor.address,
      chainId(),
      3600,
    ).token;
    const f = await getJson(`${indexer.auditUrl}/downloads`, forged);
    assert.deepEqual([f.status, f.body.error], [401, "invalid session token (bad signature)"]);
    const expired = new SessionSigner(SESSION_SECRET).issue(
      dev.auditor.address,
      chainId(),
      60,
      Date.now() - 3_600_000,
    ).token;
    const e = await getJson(`${indexer.auditUrl}/downloads`, expired);
    assert.deepEqual([e.status, e.body.error], [401, "session expired"]);
  });

  it("refuses a bad signature, an expired message, a replayed nonce and another chain", async () => {
    const bad = await signIn(indexer.url, dev.auditor, {
      chainId: chainId(),
      signWith: dev.nonMember,
    });
    assert.equal(bad.status, 401);
    assert.match(bad.body.error as string, /signature does not match/);
    const old = await signIn(indexer.url, dev.auditor, {
      chainId: chainId(),
      expirationTime: new Date(Date.now() - 1000),
    });
    assert.equal(old.status, 401);
    const wrongChain = await signIn(indexer.url, dev.auditor, { chainId: 1 });
    assert.equal(wrongChain.status, 401);
    assert.match(wrongChain.body.error as string, /chain 1/);
    const nonce = ((await (await fetch(`${indexer.url}/auth/nonce`)).json()) as { nonce: string })
      .nonce;
    const { createSiweMessage } = await import("viem/siwe");
    const message = createSiweMessage({
      address: dev.auditor.address,
      chainId: chainId(),
      domain: new URL(indexer.url).host,
      nonce,
      uri: indexer.url,
      version: "1",
    });
    const signature = await dev.auditor.signMessage({ message });
    const post = () =>
      fetch(`${indexer.url}/auth/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message, signature }),
      });
    assert.equal((await post()).status, 200);
    const replay = await post();
    assert.equal(replay.status, 401);
    assert.match(((await replay.json()) as { error: string }).error, /nonce/);
  });

  it("refuses accounts without a member, staff or auditor role with 403", async () => {
    for (const account of [dev.nonMember, dev.patient]) {
      const result = await signIn(indexer.url, account, { chainId: chainId() });
      assert.equal(result.status, 403, account.address);
      assert.match(result.body.error as string, /is not a member, staff or auditor/);
    }
  });

  it("holds the same tables as PGlite (indexed from scratch on another database)", async () => {
    assert.deepEqual(await dumpTables(indexer.url, token), reference);
  });

  it("re-indexes after kill -9 in the middle of backfill: no row lost or doubled", async () => {
    // Another database of the cluster: in the first one Ponder's RPC cache would make backfill instant.
    const restarted = await killDuringBackfillThenRestart({
      schema: "postgres_b",
      databaseUrl: await pg.createDatabase("kill_test"),
      auth: "siwe",
    });
    const auditor = await signIn(restarted.url, dev.auditor, { chainId: chainId() });
    assert.deepEqual(await dumpTables(restarted.url, auditor.token), reference);
    await restarted.stop();
  });
});
