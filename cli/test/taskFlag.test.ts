// Security review (issue 15): `--task` with a value no TaskDirectory could hold (hostile or
// mistyped) is invalid input (exit 3) naming the problem, refused before the CLI contacts the
// chain: a JSON-RPC endpoint that counts requests sees none.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/neuroledger.js", import.meta.url));

describe("--task is checked before the chain is contacted", { timeout: 120_000 }, () => {
  let dir: string;
  let rpc: Server;
  let rpcUrl: string;
  let requests = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nl-task-flag-"));
    // Answers eth_chainId like a node would, so a CLI that goes on would get further, not fail here.
    rpc = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0x7a69" }));
      });
    });
    await new Promise<void>((done) => rpc.listen(0, "127.0.0.1", done));
    rpcUrl = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((done) => rpc?.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  function run(args: string[]): Promise<{ code: number; stderr: string }> {
    return new Promise((done) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: { ...process.env, NEUROLEDGER_STACK: "", NEUROLEDGER_DATA_DIR: join(dir, "data") },
          timeout: 60_000,
        },
        (error, _stdout, stderr) =>
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
  }

  for (const [label, task, why] of [
    ["empty", "", /it is empty/],
    ["a bidi override", "brain-tumor-mri/\u202eepyt", /character 17 \(U\+202E\)/],
    ["a zero-width space", "brain-tumor-mri/type\u200b", /character 21 \(U\+200B\)/],
    ["capitals", "BRAIN-TUMOR-MRI/TYPE", /character 1 \("B", U\+0042\)/],
    ["a newline and a flag", "brain-tumor-mri/type\n--rpc http://evil", /character 21 \(U\+000A\)/],
    ["an escape sequence", "\u001b[2Jtype", /character 1 \(U\+001B\)/],
    ["5,000 bytes", "a".repeat(5000), /is 5000 bytes long; at most 128/],
  ] as const) {
    test(`--task with ${label}: exit 3, the problem named, no request to the chain`, async () => {
      const before = requests;
      const { code, stderr } = await run(["status", "--rpc", rpcUrl, "--task", task]);
      assert.equal(code, 3, stderr);
      assert.match(stderr, /--task: not a task name/);
      assert.match(stderr, why);
      // The hostile value is not written back to the terminal.
      if (task.length > 0) assert.ok(!stderr.includes(task), stderr);
      assert.equal(requests, before, "the CLI contacted the chain RPC");
    });
  }
});
