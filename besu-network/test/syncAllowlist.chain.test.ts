// sync-allowlist against a real local chain node (anvil, from the chain package) with the
// contracts and the dev consortium deployed; the admin RPC is the fake Besu PERM server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Deployment, devAccounts, membershipAbi, modelRegistryAbi } from "@neuroledger/chain";
import { ensureDeployment, type LocalNode, startLocalNode } from "@neuroledger/chain/deploy";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { generateNetwork } from "../src/commands/generate.ts";
import { syncAllowlist } from "../src/commands/syncAllowlist.ts";
import { parsePermissions } from "../src/permissionsFile.ts";
import { type FakeBesuPermServer, startFakeBesuPermServer } from "./support/fakeBesuPermServer.ts";
import { passProposal } from "./support/governance.ts";
import { tempDir } from "./support/tempDir.ts";

const run = promisify(execFile);
const chainDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../chain");
const {
  deployer,
  institutionA,
  institutionB,
  institutionC,
  publisher,
  staff,
  candidate,
  nonMember,
} = devAccounts;
const sorted = (accounts: Address[]) => accounts.map((a) => a.toLowerCase()).sort();

describe("sync-allowlist on a local chain node with the dev consortium", {
  timeout: 120_000,
}, () => {
  let node: LocalNode;
  let besu: FakeBesuPermServer;
  let deployment: Deployment;
  let deploymentFile: string;
  let out: string;
  let networkEnodes: string[];

  // A cold build of the contracts (a fresh clone) takes minutes on 2 cores; cached, seconds.
  before(
    async () => {
      // The deploy reads the chain package's build artifacts (cached: a few seconds).
      await run(join(chainDir, "node_modules/.bin/hardhat"), ["build", "--quiet"], {
        cwd: chainDir,
      });
      const dir = await tempDir();
      node = await startLocalNode({ port: 0, blockTime: 0 });
      ({ deployment } = await ensureDeployment({
        transport: http(node.url),
        deployer: privateKeyToAccount(deployer.privateKey),
        dev: true,
        dir,
      }));
      deploymentFile = join(dir, `${deployment.chainId}.json`);
      // The allowlist file of a generated network's RPC node: sync rewrites accounts, keeps nodes.
      const { manifest } = await generateNetwork({
        chainId: deployment.chainId,
        validators: 4,
        rpcNodes: 1,
        account: [deployer.address],
        out: join(dir, "network"),
      });
      networkEnodes = manifest.nodes.map((n) => n.enode);
      out = join(dir, "network/nodes/rpc-1/permissions_config.toml");
      besu = await startFakeBesuPermServer([deployer.address, nonMember.address]);
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await besu?.close();
    await node?.stop();
  });

  const sync = () =>
    syncAllowlist({
      rpcUrl: node.url,
      out,
      deploymentFile,
      adminRpcUrls: [besu.url],
      timeoutMs: 5000,
    });

  async function allowlistFile() {
    return parsePermissions(await readFile(out, "utf8"), out);
  }

  it("the generated genesis enables the EVM version the contracts were deployed for", async () => {
    const genesis = JSON.parse(await readFile(join(dirname(out), "../../genesis.json"), "utf8"));
    assert.equal(deployment.parameters.evmVersion, "cancun");
    assert.equal(genesis.config.cancunTime, 0);
    assert.equal(genesis.config.pragueTime, undefined);
  });

  it("allows exactly the dev consortium's members and staff", async () => {
    const result = await sync();
    const expected = sorted([
      institutionA.address,
      institutionB.address,
      institutionC.address,
      publisher.address,
      staff.address,
    ]);
    assert.deepEqual(
      sorted(result.members),
      sorted([institutionA.address, institutionB.address, institutionC.address]),
    );
    assert.deepEqual(sorted(result.staff), sorted([publisher.address, staff.address]));
    assert.deepEqual(result.accounts, expected);
    const file = await allowlistFile();
    assert.deepEqual(sorted(file.accountsAllowlist), expected);
    assert.deepEqual(file.nodesAllowlist, networkEnodes, "the nodes allowlist is kept");
    assert.deepEqual([...besu.accounts].sort(), expected, "applied to the node through PERM");
    assert.deepEqual(
      sorted(result.applied[0]?.removed ?? []),
      sorted([deployer.address, nonMember.address]),
    );
  });

  it("follows an admission and a removal voted through governance", async () => {
    const { membership, registry } = {
      membership: deployment.contracts.membership,
      registry: deployment.contracts.registry.address,
    };
    const members = [institutionA.privateKey, institutionB.privateKey, institutionC.privateKey];
    await passProposal({
      rpcUrl: node.url,
      deployment,
      proposer: institutionA.privateKey,
      voters: members,
      targets: [membership],
      calldatas: [
        encodeFunctionData({
          abi: membershipAbi,
          functionName: "admit",
          args: [candidate.address, "Delta Hospital", ""],
        }),
      ],
      description: "Admit Delta Hospital",
    });
    // The new member adds a clinician of its own.
    const publicClient = createPublicClient({ transport: http(node.url), pollingInterval: 100 });
    const wallet = createWalletClient({
      account: privateKeyToAccount(candidate.privateKey),
      transport: http(node.url),
    });
    const hash = await wallet.writeContract({
      chain: null,
      address: registry,
      abi: modelRegistryAbi,
      functionName: "addStaff",
      args: [nonMember.address],
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash })).status, "success");
    const institutionBId = await publicClient.readContract({
      address: membership,
      abi: membershipAbi,
      functionName: "institutionOf",
      args: [institutionB.address],
    });
    await passProposal({
      rpcUrl: node.url,
      deployment,
      proposer: institutionA.privateKey,
      voters: [institutionA.privateKey, institutionC.privateKey, candidate.privateKey],
      targets: [membership],
      calldatas: [
        encodeFunctionData({ abi: membershipAbi, functionName: "remove", args: [institutionBId] }),
      ],
      description: "Remove Borealis Medical Center",
    });

    const result = await sync();
    // B and its clinician are gone; Delta and its clinician are in.
    const expected = sorted([
      institutionA.address,
      institutionC.address,
      candidate.address,
      publisher.address,
      nonMember.address,
    ]);
    assert.deepEqual(result.accounts, expected);
    assert.deepEqual(sorted((await allowlistFile()).accountsAllowlist), expected);
    assert.deepEqual([...besu.accounts].sort(), expected);
    assert.deepEqual(
      sorted(result.applied[0]?.removed ?? []),
      sorted([institutionB.address, staff.address]),
    );
    assert.deepEqual(
      sorted(result.applied[0]?.added ?? []),
      sorted([candidate.address, nonMember.address]),
    );
  });

  it("keeps the --keep accounts whatever the registry says", async () => {
    const result = await syncAllowlist({
      rpcUrl: node.url,
      out,
      deploymentFile,
      keep: [deployer.address],
    });
    assert.ok(result.accounts.includes(deployer.address.toLowerCase() as Address));
    assert.equal(result.accounts.length, 6);
  });

  it("refuses a deployment file of another chain, writing nothing", async () => {
    const before = await readFile(out, "utf8");
    const other = join(dirname(deploymentFile), "other.json");
    await writeFile(other, JSON.stringify({ ...deployment, chainId: 1 }));
    await assert.rejects(
      syncAllowlist({ rpcUrl: node.url, out, deploymentFile: other }),
      /deployment on chain 1, but the RPC serves chain 31337/,
    );
    assert.equal(await readFile(out, "utf8"), before);
  });
});
