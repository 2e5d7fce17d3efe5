import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Address } from "viem";
import { PermRpcError } from "../src/errors.ts";
import { applyAccountsAllowlist } from "../src/perm/applyAccountsAllowlist.ts";
import { createPermClient } from "../src/perm/permClient.ts";
import { parsePermissions, renderPermissions } from "../src/permissionsFile.ts";
import { writeAccountsAllowlist } from "../src/permissionsWrite.ts";
import { type FakeBesuPermServer, startFakeBesuPermServer } from "./support/fakeBesuPermServer.ts";
import { tempDir } from "./support/tempDir.ts";

const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000B2" as Address;
const C = "0x00000000000000000000000000000000000000c3" as Address;
const X = "0x00000000000000000000000000000000000000f9" as Address;
const ENODE = `enode://${"ab".repeat(64)}@127.0.0.1:30303`;

describe("PERM allowlist sync against a fake Besu PERM server (a stand-in for Besu, which cannot run here)", () => {
  let besu: FakeBesuPermServer;
  before(async () => {
    besu = await startFakeBesuPermServer([A, X]);
  });
  after(() => besu.close());

  it("adds the missing accounts and removes the extra ones, sending only the difference", async () => {
    const result = await applyAccountsAllowlist(createPermClient(besu.url), [A, B, C]);
    assert.deepEqual(result.added, [B.toLowerCase(), C]);
    assert.deepEqual(result.removed, [X]);
    assert.deepEqual([...besu.accounts].sort(), [A, B.toLowerCase(), C]);
    assert.deepEqual(besu.calls, [
      "perm_getAccountsAllowlist",
      "perm_addAccountsToAllowlist",
      "perm_removeAccountsFromAllowlist",
      "perm_getAccountsAllowlist",
    ]);
  });

  it("changes nothing when the node already has the list", async () => {
    besu.calls.length = 0;
    const result = await applyAccountsAllowlist(createPermClient(besu.url), [C, A, B]);
    assert.deepEqual(result, { rpcUrl: besu.url, added: [], removed: [] });
    assert.deepEqual(besu.calls, ["perm_getAccountsAllowlist", "perm_getAccountsAllowlist"]);
  });

  it("empties the list when the consortium has no accounts left", async () => {
    const result = await applyAccountsAllowlist(createPermClient(besu.url), []);
    assert.equal(result.removed.length, 3);
    assert.equal(besu.accounts.size, 0);
  });

  it("reports Besu's error with the method and node, e.g. adding an account twice", async () => {
    const client = createPermClient(besu.url);
    await client.addAccountsToAllowlist([A]);
    await assert.rejects(client.addAccountsToAllowlist([A]), (error: unknown) => {
      assert.ok(error instanceof PermRpcError);
      assert.match(
        error.message,
        /perm_addAccountsToAllowlist failed on http:\/\/127\.0\.0\.1:\d+: .*existing/,
      );
      return true;
    });
  });

  it("manages the nodes allowlist too", async () => {
    const client = createPermClient(besu.url);
    await client.addNodesToAllowlist([ENODE]);
    assert.deepEqual(await client.getNodesAllowlist(), [ENODE]);
    await client.removeNodesFromAllowlist([ENODE]);
    assert.deepEqual(await client.getNodesAllowlist(), []);
  });

  it("fails clearly when no node answers", async () => {
    const closed = await startFakeBesuPermServer();
    await closed.close();
    await assert.rejects(
      createPermClient(closed.url, { timeoutMs: 2000 }).getAccountsAllowlist(),
      (error: unknown) =>
        error instanceof PermRpcError && /perm_getAccountsAllowlist failed/.test(error.message),
    );
  });
});

describe("permissions_config.toml", () => {
  it("replaces the accounts allowlist and keeps the nodes allowlist", async () => {
    const path = join(await tempDir(), "permissions_config.toml");
    await writeFile(path, renderPermissions({ accountsAllowlist: [X], nodesAllowlist: [ENODE] }));
    const written = await writeAccountsAllowlist(path, [B, A, A]);
    assert.deepEqual(written, [A, B.toLowerCase()]);
    const file = parsePermissions(await readFile(path, "utf8"));
    assert.deepEqual(file.nodesAllowlist, [ENODE]);
    assert.deepEqual(
      file.accountsAllowlist.map((a) => a.toLowerCase()),
      [A, B.toLowerCase()],
    );
  });

  it("refuses a file that is not a permissions file, leaving it as it was", async () => {
    const path = join(await tempDir(), "permissions_config.toml");
    await writeFile(path, 'nodes-allowlist = ["not an enode"]\n');
    await assert.rejects(writeAccountsAllowlist(path, [A]), /Not an enode URL: not an enode/);
    assert.equal(await readFile(path, "utf8"), 'nodes-allowlist = ["not an enode"]\n');
  });
});
