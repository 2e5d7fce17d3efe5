import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { membershipAbi } from "@neuroledger/chain";
import { type IndexedDeployment, loadDeployment } from "../../lib/contracts.ts";
import { type IndexerHandle, startIndexer } from "../../lib/service/index.ts";
import { deployDev, type LocalChain, startChain } from "../helpers/chain.ts";
import { waitFor } from "../helpers/processes.ts";
import { dev } from "../helpers/scenario.ts";

// A dev chain (anvil) that reorganises: rows of reorged-out blocks must go, indexing must go on,
// and when a reorg is deeper than the finality depth, /health and /ready must say so.

let chain: LocalChain;
let deployment: IndexedDeployment;
let deploymentFile: string;
let tmp: string;
const started: IndexerHandle[] = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "nl-reorg-test-"));
  chain = await startChain();
  deploymentFile = await deployDev(chain.rpcUrl, tmp);
  deployment = loadDeployment(chain.chainId, deploymentFile);
});

after(async () => {
  await Promise.all(started.map((h) => h.stop(5000)));
  await chain?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function indexer(schema: string, extra: { finalityBlocks?: number; stallMs?: number } = {}) {
  const handle = await startIndexer({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    deploymentFile,
    pgliteDir: join(tmp, `pglite-${schema}`),
    schema,
    auth: "open",
    pollingIntervalMs: 200,
    timeoutMs: 180_000,
    // Through `env` too, so this file also runs against an indexer without these options.
    env: {
      ...(extra.finalityBlocks !== undefined
        ? { NEUROLEDGER_FINALITY_BLOCKS: String(extra.finalityBlocks) }
        : {}),
      ...(extra.stallMs !== undefined ? { NEUROLEDGER_STALL_MS: String(extra.stallMs) } : {}),
    },
  });
  started.push(handle);
  return handle;
}

async function institutionName(handle: IndexerHandle, id: string): Promise<string | undefined> {
  const res = await fetch(`${handle.auditUrl}/institutions`);
  const body = (await res.json()) as { rows: { id: string; name: string }[] };
  return body.rows.find((r) => r.id === id)?.name;
}

async function renameAurora(name: string) {
  const hash = await chain.wallet(dev.institutionA).writeContract({
    address: deployment.addresses.membership,
    abi: membershipAbi,
    functionName: "updateProfile",
    args: [1n, name, "https://aurora.example/profile.json"],
  });
  return chain.publicClient.waitForTransactionReceipt({ hash });
}

const reorg = (depth: number) =>
  chain.testClient.request({ method: "anvil_reorg" as never, params: [depth, []] as never });

describe("the indexer on a chain that reorganises", () => {
  it("drops an institution name whose block a 3-block reorg removed, and goes on indexing", async () => {
    const handle = await indexer("reorg_a");
    const original = "Aurora University Hospital";
    await waitFor(
      "the dev consortium indexed",
      async () => (await institutionName(handle, "1")) === original || undefined,
      20_000,
    );
    await renameAurora("Aurora (reorged out)");
    await chain.testClient.mine({ blocks: 2 });
    await waitFor(
      "the new name indexed",
      async () => (await institutionName(handle, "1")) === "Aurora (reorged out)" || undefined,
      15_000,
    );
    await reorg(3);
    await chain.testClient.mine({ blocks: 1 });
    await waitFor(
      "the reorged-out name to disappear",
      async () => (await institutionName(handle, "1")) === original || undefined,
      20_000,
    );
    // Live indexing goes on after the reorg.
    await renameAurora("Aurora after the reorg");
    await waitFor(
      "a name set after the reorg",
      async () => (await institutionName(handle, "1")) === "Aurora after the reorg" || undefined,
      15_000,
    );
    assert.equal((await fetch(`${handle.url}/health`)).status, 200);
    assert.equal((await fetch(`${handle.url}/ready`)).status, 200);
    await handle.stop();
  });

  it("answers 503 on /health and /ready when a reorg beyond finality stops live indexing", async () => {
    const handle = await indexer("reorg_b", { finalityBlocks: 1, stallMs: 3000 });
    await renameAurora("Aurora (deep reorg)");
    await chain.testClient.mine({ blocks: 3 });
    await waitFor(
      "the name indexed",
      async () => (await institutionName(handle, "1")) === "Aurora (deep reorg)" || undefined,
      15_000,
    );
    await reorg(4);
    // The chain goes on; the indexer cannot follow it.
    const mining = setInterval(
      () => void chain.testClient.mine({ blocks: 1 }).catch(() => {}),
      500,
    );
    try {
      const health = await waitFor(
        "/health to report the stall",
        async () => {
          const res = await fetch(`${handle.url}/health`).catch(() => undefined);
          return res && res.status === 503 ? res : undefined;
        },
        30_000,
        250,
      );
      assert.match(await health.text(), /stalled/);
      const ready = await fetch(`${handle.url}/ready`);
      assert.equal(ready.status, 503);
    } finally {
      clearInterval(mining);
    }
  });
});
