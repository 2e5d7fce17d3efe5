// The package's exports: ABIs match the build, role ids match the contract, dev accounts match
// the mnemonic, and the deployment reader names what is wrong with a bad file.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { keccak256, toBytes } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { CONTRACTS, readArtifactAbi } from "../../src/deploy/artifacts.ts";
import * as pkg from "../../src/index.ts";
import { readDeployment } from "../../src/readDeployment.ts";

const chainDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("@neuroledger/chain exports", () => {
  it("ships ABIs equal to the current build (run `pnpm -C chain abi` when this fails)", () => {
    for (const { name, exportName } of CONTRACTS) {
      const exported = (pkg as Record<string, unknown>)[`${exportName}Abi`];
      assert.deepEqual(exported, readArtifactAbi(chainDir, name), `abi/${exportName}.ts is stale`);
    }
  });

  it("has role ids and the task id that match their definitions", () => {
    assert.equal(pkg.PUBLISHER_ROLE, keccak256(toBytes("PUBLISHER_ROLE")));
    assert.equal(pkg.AUDITOR_ROLE, keccak256(toBytes("AUDITOR_ROLE")));
    assert.equal(pkg.GUARDIAN_ROLE, keccak256(toBytes("GUARDIAN_ROLE")));
    assert.equal(pkg.TIMELOCK_PROPOSER_ROLE, keccak256(toBytes("PROPOSER_ROLE")));
    assert.equal(pkg.TIMELOCK_EXECUTOR_ROLE, keccak256(toBytes("EXECUTOR_ROLE")));
    assert.equal(pkg.TIMELOCK_CANCELLER_ROLE, keccak256(toBytes("CANCELLER_ROLE")));
    assert.equal(pkg.TASK_ID, keccak256(toBytes(pkg.TASK)));
    assert.ok(pkg.modelRegistryEventNames.includes("ModelPublished"));
  });

  it("lists dev accounts that derive from the dev mnemonic", () => {
    for (const account of Object.values(pkg.devAccounts)) {
      const derived = mnemonicToAccount(pkg.DEV_MNEMONIC, { addressIndex: account.index });
      assert.equal(derived.address, account.address);
      assert.equal(
        keccak256(derived.getHdKey().privateKey as Uint8Array),
        keccak256(toBytes(account.privateKey)),
      );
    }
  });

  it("reads a deployment file and rejects bad ones with a clear message", () => {
    const dir = mkdtempSync(join(tmpdir(), "nl-deployments-"));
    assert.throws(() => readDeployment(5, dir), /No deployment for chain 5/);
    writeFileSync(join(dir, "6.json"), "{ not json");
    assert.throws(() => readDeployment(6, dir), /not valid JSON/);
    const a = "0x00000000000000000000000000000000000000a1";
    const good = {
      chainId: 7,
      deployBlock: 3,
      deployedAt: "2026-11-26T00:00:00.000Z",
      contracts: {
        membership: a,
        governor: a,
        timelock: a,
        registry: { address: a, implementation: a },
      },
      implementations: { membership: a, governor: a, timelock: a, registry: a },
      parameters: {
        votingDelay: 1,
        votingPeriod: 30,
        proposalThreshold: 1,
        quorumPercent: 50,
        timelockDelay: 5,
      },
    };
    writeFileSync(join(dir, "7.json"), JSON.stringify(good));
    assert.equal(readDeployment(7, dir).contracts.registry.address, a);
    writeFileSync(
      join(dir, "8.json"),
      JSON.stringify({ ...good, chainId: 8, contracts: { ...good.contracts, governor: "0x12" } }),
    );
    assert.throws(() => readDeployment(8, dir), /contracts\.governor\): not an address/);
    writeFileSync(join(dir, "9.json"), JSON.stringify(good));
    assert.throws(() => readDeployment(9, dir), /is for chain 7, not 9/);
  });
});
