import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { freePort, type IndexerHandle, startIndexer } from "../../lib/service/index.ts";
import { deployDev, type LocalChain, startChain } from "../helpers/chain.ts";
import { dev } from "../helpers/scenario.ts";
import { signIn } from "../helpers/siwe.ts";
import { deployTaskRegistry, registryCall, TYPE_TASK } from "../helpers/tasks.ts";

// Security review (issue 15): sign-in as "staff or auditor of any task registry" must mean a
// registry the consortium's TaskDirectory lists. A deployment file names the type task's registry
// as one that governance never added (a failed vote, an edited file): whoever deployed that proxy
// administers it and grants itself AUDITOR_ROLE. That grant must not open the audit API.

type DeploymentJson = {
  contracts: {
    membership: Address;
    tasks: { task: string; taskId: Hex; registry: { address: Address; implementation: Address } }[];
  };
};

let chain: LocalChain;
let tmp: string;
let indexer: IndexerHandle;
const attacker = dev.nonMember;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "nl-indexer-unlisted-"));
  chain = await startChain();
  const file = await deployDev(chain.rpcUrl, tmp);
  const deployment = JSON.parse(readFileSync(file, "utf8")) as DeploymentJson;
  const typeEntry = deployment.contracts.tasks.find((t) => t.task === TYPE_TASK);
  assert.ok(typeEntry, "the dev deployment runs the type task");

  // The attacker's own type-task registry: same implementation and Membership, admin = attacker.
  const rogue = await deployTaskRegistry(chain, attacker, {
    implementation: typeEntry.registry.implementation,
    admin: attacker.address,
    membership: deployment.contracts.membership,
    task: TYPE_TASK,
  });
  await registryCall(chain, rogue, attacker, "grantRole", [
    keccak256(toBytes("AUDITOR_ROLE")),
    attacker.address,
  ]);

  typeEntry.registry = { address: rogue, implementation: typeEntry.registry.implementation };
  const edited = join(tmp, "edited-deployment.json");
  writeFileSync(edited, JSON.stringify(deployment, null, 2));

  const port = await freePort();
  indexer = await startIndexer({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    deploymentFile: edited,
    pgliteDir: join(tmp, "pglite"),
    schema: "unlisted",
    port,
    auth: "siwe",
    siwe: { domain: `127.0.0.1:${port}` },
    timeoutMs: 120_000,
    log: process.env.NL_TEST_PONDER_LOG ? (line) => console.error(`[ponder] ${line}`) : undefined,
  });
});

after(async () => {
  try {
    await indexer?.stop(5000);
    await chain?.stop();
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
});

describe("sign-in trusts only the registries the TaskDirectory lists (security review, issue 15)", {
  timeout: 240_000,
}, () => {
  it("refuses the auditor of a registry the deployment names but the directory does not list", async () => {
    const res = await signIn(indexer.url, attacker, { chainId: chain.chainId });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.token, undefined);
  });

  it("still admits the auditor and the members of the listed registries", async () => {
    for (const account of [dev.auditor, dev.institutionA]) {
      const res = await signIn(indexer.url, account, { chainId: chain.chainId });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
});
