import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AUDITOR_ROLE,
  modelRegistryAbi,
  PUBLISHER_ROLE,
  taskDirectoryAbi,
} from "@neuroledger/chain";
import type { Abi, Address, Hex } from "viem";
import { freePort, type IndexerHandle, startIndexer } from "../../lib/service/index.ts";
import type { DownloadRow, ModelRow } from "../../src/api/audit/rows.ts";
import { deployDev, type LocalChain, startChain } from "../helpers/chain.ts";
import { dev } from "../helpers/devAccounts.ts";
import { passProposal } from "../helpers/governance.ts";
import { waitFor } from "../helpers/processes.ts";
import { signIn } from "../helpers/siwe.ts";
import { graphql } from "../helpers/tables.ts";
import { BINARY_TASK, publishFor, registryCall, TYPE_TASK } from "../helpers/tasks.ts";

// A task governance adds while the indexer runs (TaskDirectory.addTask) is followed from its
// TaskAdded on, with no restart and no new deployment file (Ponder's factory): its models and
// downloads are indexed under its name, `?task=` takes it, and an auditor of its registry signs in.
// The deployment's own registries, which the factory finds too, are indexed once.

const GRADE_TASK = "brain-tumor-mri/grade";

type DeploymentJson = {
  contracts: {
    membership: Address;
    governor: Address;
    timelock: Address;
    registry: { address: Address; implementation: Address };
    taskDirectory: { address: Address };
  };
};

let chain: LocalChain;
let tmp: string;
let deployment: DeploymentJson;

/**
 * Two indexers on the same chain: one reads the deployment file as written (its factory looks
 * for TaskAdded after `deployEndBlock`), one a file without that field, as written before it was
 * recorded (its factory finds the deployment's registries too, whose events it must skip).
 */
type Watcher = { name: string; indexer: IndexerHandle; token: string };
const watchers: Watcher[] = [];

const get = async (w: Watcher, path: string) => {
  const res = await fetch(`${w.indexer.auditUrl}${path}`, {
    headers: { authorization: `Bearer ${w.token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** Waits until every indexer has indexed `blockNumber`. */
const indexedUpTo = (blockNumber: bigint) =>
  Promise.all(
    watchers.map((w) =>
      waitFor(
        `${w.name} to reach block ${blockNumber}`,
        async () => ((await w.indexer.indexedBlock()) ?? -1) >= Number(blockNumber) || undefined,
        60_000,
      ),
    ),
  );

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "nl-indexer-added-task-"));
  chain = await startChain();
  const file = await deployDev(chain.rpcUrl, tmp);
  const written = JSON.parse(readFileSync(file, "utf8")) as DeploymentJson & {
    deployEndBlock?: number;
  };
  assert.ok(written.deployEndBlock !== undefined, "the deploy records its last block");
  deployment = written;
  const { deployEndBlock: _, ...older } = written;
  const olderFile = join(tmp, "without-end-block.json");
  writeFileSync(olderFile, JSON.stringify(older, null, 2));
  for (const [name, deploymentFile] of [
    ["the indexer of the file as written", file],
    ["the indexer of a file without deployEndBlock", olderFile],
  ] as const) {
    const port = await freePort();
    const indexer = await startIndexer({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      deploymentFile,
      pgliteDir: join(tmp, `pglite-${watchers.length}`),
      schema: `added_task_${watchers.length}`,
      port,
      auth: "siwe",
      siwe: { domain: `127.0.0.1:${port}` },
      // Sign-in reads the chain each time, so a role granted mid-test counts at once.
      env: { NEUROLEDGER_ROLE_CACHE_MS: "0" },
      timeoutMs: 120_000,
      log: process.env.NL_TEST_PONDER_LOG ? (line) => console.error(`[ponder] ${line}`) : undefined,
    });
    const auditor = await signIn(indexer.url, dev.auditor, { chainId: chain.chainId });
    assert.equal(auditor.status, 200, JSON.stringify(auditor.body));
    watchers.push({ name, indexer, token: auditor.token as string });
  }
});

after(async () => {
  try {
    for (const w of watchers) await w.indexer.stop(5000);
    await chain?.stop();
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
});

describe("indexer: a task governance adds while it runs", { timeout: 300_000 }, () => {
  let grade: Address;
  let download: { txHash: Hex; blockNumber: bigint };
  let binaryDownload: Hex;

  before(async () => {
    // Before the vote: nobody signs in on the strength of a registry the directory does not list.
    for (const w of watchers) {
      const early = await signIn(w.indexer.url, dev.nonMember, { chainId: chain.chainId });
      assert.equal(early.status, 403, `${w.name}: ${JSON.stringify(early.body)}`);
      assert.equal((await get(w, `/downloads?task=${GRADE_TASK}`)).status, 400, w.name);
    }

    const { contracts } = deployment;
    // The directory deploys the registry itself (governance its only admin from its first block);
    // its address is known before the vote, so the same proposal grants a role there.
    const directory = { address: contracts.taskDirectory.address, abi: taskDirectoryAbi } as const;
    const created = [
      GRADE_TASK,
      contracts.registry.implementation,
      [dev.publisher.address],
    ] as const;
    grade = await chain.publicClient.readContract({
      ...directory,
      functionName: "registryAddressOf",
      args: created,
    });
    await passProposal(
      chain,
      contracts.governor,
      [
        {
          target: contracts.taskDirectory.address,
          abi: taskDirectoryAbi as Abi,
          fn: "createTask",
          args: created,
        },
        {
          target: grade,
          abi: modelRegistryAbi as Abi,
          fn: "grantRole",
          args: [AUDITOR_ROLE, dev.nonMember.address],
        },
      ],
      "Add the tumor-grade task (brain-tumor-mri/grade) with its own registry",
    );
    // Staff are per registry: institution A makes the publisher its staff in the new one.
    await registryCall(chain, grade, dev.institutionA, "addStaff", [dev.publisher.address]);
    const { modelId } = await publishFor(chain, grade, GRADE_TASK, "first", 9100);
    assert.equal(modelId, 1n);
    const received = await registryCall(chain, grade, dev.institutionB, "recordDownload", [1n]);
    download = { txHash: received.transactionHash, blockNumber: received.blockNumber };
    // And one in the deployment's binary registry, which the factory also finds.
    const binary = contracts.registry.address;
    await publishFor(chain, binary, BINARY_TASK, "first", 9000);
    const binaryReceipt = await registryCall(chain, binary, dev.institutionC, "recordDownload", [
      1n,
    ]);
    binaryDownload = binaryReceipt.transactionHash;
    await indexedUpTo(binaryReceipt.blockNumber);
  });

  it("lists the new task after the deployment's, in the order added", async () => {
    for (const w of watchers) {
      const { status, body } = await get(w, "");
      assert.equal(status, 200, w.name);
      assert.deepEqual(body.tasks, [BINARY_TASK, TYPE_TASK, GRADE_TASK], w.name);
    }
  });

  it("indexes the new registry's models and downloads under its name, and ?task= takes it", async () => {
    for (const w of watchers) {
      const downloads = await get(w, `/downloads?task=${GRADE_TASK}`);
      assert.equal(downloads.status, 200, `${w.name}: ${JSON.stringify(downloads.body)}`);
      const rows = downloads.body.rows as DownloadRow[];
      assert.deepEqual(
        rows.map((r) => [r.task, r.registry, r.modelId, r.account, r.txHash, r.blockNumber]),
        [
          [
            GRADE_TASK,
            grade.toLowerCase(),
            "1",
            dev.institutionB.address.toLowerCase(),
            download.txHash,
            Number(download.blockNumber),
          ],
        ],
        w.name,
      );
      const models = await get(w, `/models?task=${GRADE_TASK}`);
      assert.equal(models.status, 200, w.name);
      assert.deepEqual(
        (models.body.rows as ModelRow[]).map((m) => [m.task, m.registry, m.id]),
        [[GRADE_TASK, grade.toLowerCase(), "1"]],
        w.name,
      );
    }
  });

  it("indexes each event of the deployment's registries once, also where the factory finds them", async () => {
    for (const w of watchers) {
      const { status, body } = await get(w, `/downloads?task=${BINARY_TASK}`);
      assert.equal(status, 200, w.name);
      assert.deepEqual(
        (body.rows as DownloadRow[]).map((r) => r.txHash),
        [binaryDownload],
        w.name,
      );
    }
  });

  it("indexes the new registry from its first block: the grants of its initialisation, in the block that listed it", async () => {
    type Page<T> = { items: T[] };
    for (const w of watchers) {
      const data = await graphql<{
        accountEvents: Page<{ account: string; change: string; role: string | null; task: string }>;
      }>(
        w.indexer.url,
        `query ($registry: String!) { accountEvents(where: { registry: $registry, change: "role_granted" }, limit: 50) { items { account change role task } } }`,
        { registry: grade.toLowerCase() },
        w.token,
      );
      const grants = data.accountEvents.items.map((e) => [e.role, e.account, e.task]).sort();
      assert.deepEqual(
        grants,
        [
          ["AUDITOR_ROLE", dev.nonMember.address.toLowerCase(), GRADE_TASK],
          ["DEFAULT_ADMIN_ROLE", deployment.contracts.timelock.toLowerCase(), GRADE_TASK],
          ["PUBLISHER_ROLE", dev.publisher.address.toLowerCase(), GRADE_TASK],
        ],
        w.name,
      );
    }
  });

  it("signs in an auditor of the new registry only once the directory lists it", async () => {
    for (const w of watchers) {
      const res = await signIn(w.indexer.url, dev.nonMember, { chainId: chain.chainId });
      assert.equal(res.status, 200, `${w.name}: ${JSON.stringify(res.body)}`);
    }
  });
});
