// Opt-in: a real 4-validator Besu network. Runs only where a `besu` binary is on PATH; elsewhere
// node:test reports it as skipped with the reason below.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Address, createPublicClient, http } from "viem";
import { generateNetwork } from "../src/commands/generate.ts";
import type { Manifest } from "../src/networkFiles.ts";
import { applyAccountsAllowlist } from "../src/perm/applyAccountsAllowlist.ts";
import { createPermClient } from "../src/perm/permClient.ts";
import { findExecutable } from "./support/findExecutable.ts";
import { freePortRange } from "./support/freePorts.ts";
import { tempDir } from "./support/tempDir.ts";

const besu = findExecutable("besu");
const skip = besu
  ? false
  : "besu is not on PATH: install Hyperledger Besu to run this opt-in test of a real 4-validator network";

const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const STAFF: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("a generated 4-validator QBFT network on real Besu nodes", { timeout: 300_000 }, () => {
  let manifest: Manifest;
  const processes: ChildProcess[] = [];

  before(async () => {
    if (skip) return;
    const out = join(await tempDir(), "network");
    const count = 5;
    ({ manifest } = await generateNetwork({
      validators: 4,
      rpcNodes: 1,
      chainId: 75319,
      blockPeriod: 1,
      account: [DEPLOYER],
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
      const result = await applyAccountsAllowlist(client, [DEPLOYER, STAFF]);
      assert.deepEqual(result.added, [STAFF.toLowerCase()]);
      assert.deepEqual(
        await client.getAccountsAllowlist(),
        [STAFF.toLowerCase(), DEPLOYER.toLowerCase()].sort(),
      );
    }
  });
});
