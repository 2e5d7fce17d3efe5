// One RPC variable name everywhere (issue 14, section 6): the cli reads NEUROLEDGER_RPC_URL, as
// the indexer and the web app do, and still accepts its older NEUROLEDGER_RPC as an alias.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveConnection } from "../src/config.ts";
import { UsageError } from "../src/errors.ts";

describe("the chain RPC URL from the environment", () => {
  let dataDir: string;
  before(async () => {
    // An empty data dir: no stack.json to fall back on.
    dataDir = await mkdtemp(join(tmpdir(), "nl-config-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  const resolveWith = (env: NodeJS.ProcessEnv, rpc?: string) =>
    resolveConnection({ dataDir, rpc }, env);

  test("NEUROLEDGER_RPC_URL is read", async () => {
    const c = await resolveWith({ NEUROLEDGER_RPC_URL: "http://127.0.0.1:8601" });
    assert.equal(c.rpcUrl, "http://127.0.0.1:8601");
  });

  test("NEUROLEDGER_RPC still works as an alias", async () => {
    const c = await resolveWith({ NEUROLEDGER_RPC: "http://127.0.0.1:8602" });
    assert.equal(c.rpcUrl, "http://127.0.0.1:8602");
  });

  test("with both set, NEUROLEDGER_RPC_URL wins; --rpc wins over both", async () => {
    const env = {
      NEUROLEDGER_RPC_URL: "http://127.0.0.1:8603",
      NEUROLEDGER_RPC: "http://127.0.0.1:8604",
    };
    assert.equal((await resolveWith(env)).rpcUrl, "http://127.0.0.1:8603");
    assert.equal((await resolveWith(env, "http://127.0.0.1:8605")).rpcUrl, "http://127.0.0.1:8605");
  });

  test("with neither, a usage error names the variable", async () => {
    await assert.rejects(resolveWith({}), (err: Error) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /NEUROLEDGER_RPC_URL/);
      return true;
    });
  });
});
