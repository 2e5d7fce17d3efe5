import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { modelRegistryAbi } from "@neuroledger/chain";
import { type Abi, type Address, encodeFunctionData, type Hex, keccak256, toBytes } from "viem";
import { freePort, type IndexerHandle, startIndexer } from "../../lib/service/index.ts";
import { deployDev, type LocalChain, startChain } from "../helpers/chain.ts";
import { dev } from "../helpers/scenario.ts";
import { signIn } from "../helpers/siwe.ts";
import { registryCall, TYPE_TASK, taskIdOf } from "../helpers/tasks.ts";

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

/** ERC1967Proxy from the chain package's build (the artifact the deploy script uses). */
function proxyArtifact(): { abi: Abi; bytecode: Hex } {
  const chainDir = dirname(
    createRequire(import.meta.url).resolve("@neuroledger/chain/package.json"),
  );
  const path = join(
    chainDir,
    "artifacts/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json",
  );
  return JSON.parse(readFileSync(path, "utf8")) as { abi: Abi; bytecode: Hex };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "nl-indexer-unlisted-"));
  chain = await startChain();
  const file = await deployDev(chain.rpcUrl, tmp);
  const deployment = JSON.parse(readFileSync(file, "utf8")) as DeploymentJson;
  const typeEntry = deployment.contracts.tasks.find((t) => t.task === TYPE_TASK);
  assert.ok(typeEntry, "the dev deployment runs the type task");

  // The attacker's own type-task registry: same implementation and Membership, admin = attacker.
  const { abi, bytecode } = proxyArtifact();
  const init = encodeFunctionData({
    abi: modelRegistryAbi,
    functionName: "initialize",
    args: [attacker.address, deployment.contracts.membership, taskIdOf(TYPE_TASK), []],
  });
  const hash = await chain.wallet(attacker).deployContract({
    abi,
    bytecode,
    args: [typeEntry.registry.implementation, init],
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  const rogue = receipt.contractAddress as Address;
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
