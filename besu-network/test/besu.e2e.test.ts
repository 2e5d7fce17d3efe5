// Opt-in: a real 4-validator Besu network. Runs only where a `besu` binary is on PATH; elsewhere
// node:test reports it as skipped with the reason below.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { devAccounts, modelRegistryAbi } from "@neuroledger/chain";
import { ensureDeployment } from "@neuroledger/chain/deploy";
import { type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { generateNetwork } from "../src/commands/generate.ts";
import { syncAllowlist } from "../src/commands/syncAllowlist.ts";
import type { Manifest } from "../src/networkFiles.ts";
import { applyAccountsAllowlist } from "../src/perm/applyAccountsAllowlist.ts";
import { createPermClient } from "../src/perm/permClient.ts";
import { findExecutable } from "./support/findExecutable.ts";
import { freePortRange } from "./support/freePorts.ts";
import { tempDir } from "./support/tempDir.ts";

const run = promisify(execFile);
const chainDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../chain");
const besu = findExecutable("besu");
const skip = besu
  ? false
  : "besu is not on PATH: install Hyperledger Besu to run this opt-in test of a real 4-validator network";

const DEPLOYER: Address = devAccounts.deployer.address;
const INSTITUTION_A: Address = devAccounts.institutionA.address;

describe("a generated 4-validator QBFT network on real Besu nodes", { timeout: 300_000 }, () => {
  let manifest: Manifest;
  let dir: string;
  const processes: ChildProcess[] = [];

  before(async () => {
    if (skip) return;
    // The deployment reads the chain package's build artifacts.
    await run(join(chainDir, "node_modules/.bin/hardhat"), ["build", "--quiet"], { cwd: chainDir });
    dir = await tempDir();
    const out = join(dir, "network");
    const count = 5;
    ({ manifest } = await generateNetwork({
      validators: 4,
      rpcNodes: 1,
      chainId: 75319,
      blockPeriod: 1,
      // The dev consortium's accounts may transact (and are funded) until the first sync.
      account: Object.values(devAccounts).map((a) => a.address),
      out,
      p2pPort: await freePortRange(count),
      rpcPort: await freePortRange(count),
      metricsPort: await freePortRange(count),
    }));
    for (const node of manifest.nodes) {
      const log = openSync(join(out, node.dir, "besu.log"), "a");
      processes.push(spawn(join(out, node.dir, "start.sh"), [], { stdio: ["ignore", log, log] }));
    }
  });

  after(async () => {
    for (const child of processes) child.kill("SIGTERM");
    await Promise.all(
      processes.map((child) =>
        child.exitCode !== null ? undefined : new Promise((resolve) => child.once("exit", resolve)),
      ),
    );
  });

  const rpcOf = (name: string) => {
    const node = manifest.nodes.find((n) => n.name === name);
    assert.ok(node, name);
    return node.rpcUrl;
  };

  it("produces blocks with the genesis validators", { skip }, async () => {
    const client = createPublicClient({ transport: http(rpcOf("rpc-1")) });
    const deadline = Date.now() + 180_000;
    let height = 0n;
    while (Date.now() < deadline) {
      height = await client.getBlockNumber().catch(() => 0n);
      if (height >= 3n) break;
      await sleep(1000);
    }
    assert.ok(height >= 3n, `the network reached only block ${height}`);
    const request = client.request as unknown as (a: {
      method: string;
      params: unknown[];
    }) => Promise<string[]>;
    const validators = await request({
      method: "qbft_getValidatorsByBlockNumber",
      params: ["latest"],
    });
    assert.deepEqual(
      validators.map((v) => v.toLowerCase()).sort(),
      manifest.validators.map((v) => v.toLowerCase()).sort(),
    );
  });

  it("applies an accounts allowlist to every node through PERM", { skip }, async () => {
    for (const node of manifest.nodes) {
      const client = createPermClient(node.rpcUrl);
      await applyAccountsAllowlist(client, [DEPLOYER, INSTITUTION_A]);
      assert.deepEqual(
        await client.getAccountsAllowlist(),
        [INSTITUTION_A.toLowerCase(), DEPLOYER.toLowerCase()].sort(),
      );
    }
    // Back to the whole dev consortium for the deployment.
    for (const node of manifest.nodes) {
      await applyAccountsAllowlist(
        createPermClient(node.rpcUrl),
        Object.values(devAccounts).map((a) => a.address),
      );
    }
  });

  it("deploys NeuroLedger with the chain package and enforces the registry's accounts", {
    skip,
  }, async () => {
    const rpcUrl = rpcOf("rpc-1");
    const { deployment } = await ensureDeployment({
      transport: http(rpcUrl),
      deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
      dev: true,
      dir,
    });
    const deploymentFile = join(dir, `${deployment.chainId}.json`);
    const adminRpcUrls = manifest.nodes.map((n) => n.rpcUrl);
    const sync = () =>
      syncAllowlist({
        rpcUrl,
        out: join(dir, "permissions_config.toml"),
        deploymentFile,
        adminRpcUrls,
        keep: [DEPLOYER],
      });

    const first = await sync();
    const { institutionA, institutionB, institutionC, publisher, staff, nonMember } = devAccounts;
    const expected = [
      DEPLOYER,
      institutionA.address,
      institutionB.address,
      institutionC.address,
      publisher.address,
      staff.address,
    ];
    assert.deepEqual(first.accounts, expected.map((a) => a.toLowerCase()).sort());
    for (const url of adminRpcUrls) {
      assert.deepEqual(await createPermClient(url).getAccountsAllowlist(), first.accounts);
    }

    const publicClient = createPublicClient({ transport: http(rpcUrl) });
    const registry = deployment.contracts.registry.address;
    const wallet = (privateKey: Hex) =>
      createWalletClient({ account: privateKeyToAccount(privateKey), transport: http(rpcUrl) });
    const setKey = (privateKey: Hex) =>
      wallet(privateKey).writeContract({
        chain: null,
        address: registry,
        abi: modelRegistryAbi,
        functionName: "setEncryptionKey",
        args: [`0x${"42".repeat(32)}`],
      });
    // An account outside the consortium is refused by the nodes themselves.
    await assert.rejects(setKey(nonMember.privateKey));

    // Institution A takes it on as staff; after the next sync it may transact.
    const add = await wallet(institutionA.privateKey).writeContract({
      chain: null,
      address: registry,
      abi: modelRegistryAbi,
      functionName: "addStaff",
      args: [nonMember.address],
    });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash: add })).status, "success");
    await sync();
    const receipt = await publicClient.waitForTransactionReceipt({
      hash: await setKey(nonMember.privateKey),
    });
    assert.equal(receipt.status, "success");
  });
});
