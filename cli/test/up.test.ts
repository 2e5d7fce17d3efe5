// `neuroledger up` as a user runs it: one process that starts the chain, deploys, starts the
// three institution nodes and publishes the model, which each institution's node evaluates on its
// share of the bundled samples (issue 13); SIGINT stops everything and leaves nothing.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { TASK, TYPE_TASK } from "@neuroledger/chain";
import { status } from "../src/commands/status.ts";
import { resolveConnection } from "../src/config.ts";
import { NodeClient } from "../src/ipfs/client.ts";
import { silentLogger } from "../src/log.ts";
import { readStack } from "../src/stack/schema.ts";
import { spawnChild } from "../src/up/childProcess.ts";
import { defaultModelDir } from "../src/up/demoModelService.ts";
import { baseModelDir, REPO_ROOT } from "./helpers/models.ts";
import { BIN, tempDir } from "./helpers/nodeProcess.ts";
import { eventually } from "./helpers/stack.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("`neuroledger up` starts the stack, publishes the model, its institutions evaluate it, and Ctrl-C stops it cleanly", {
  // 60 s more than before: the three institutions' evaluations are awaited too.
  timeout: 240_000,
}, async () => {
  const dir = await tempDir("up");
  const dataDir = join(dir.path, "data");
  const output: string[] = [];
  // The indexer and the web app are tested by their own packages; this is the distribution part.
  const child = spawnChild(
    process.execPath,
    [
      BIN,
      "up",
      "--data-dir",
      dataDir,
      "--chain-port",
      "0",
      "--gateway-port",
      "0",
      "--model",
      baseModelDir(),
      "--skip",
      "web",
      "--skip",
      "indexer",
    ],
    {
      log: silentLogger,
      name: "up",
      onLine: (l) => output.push(l),
      env: { ...process.env, NEUROLEDGER_STACK: "" },
    },
  );
  try {
    const stackFile = join(dataDir, "stack.json");
    await eventually("stack.json is written", async () => existsSync(stackFile), 150_000).catch(
      (err) => {
        throw new Error(`${err.message}\n${output.join("\n")}`);
      },
    );
    const stack = await readStack(stackFile);
    assert.equal(stack.institutions.length, 3);
    // A demo model per task (issue 15): --model for the binary task, the bundled model of every
    // other task that has one (training/models/type or smoke-type).
    const tasks = stack.chain.contracts.tasks?.map((t) => t.task) ?? [];
    assert.deepEqual(tasks, [TASK, TYPE_TASK]);
    const binaryModels = stack.models.filter((m) => (m.task ?? TASK) === TASK);
    assert.equal(binaryModels.length, 1);
    for (const task of tasks.slice(1)) {
      assert.equal(
        stack.models.filter((m) => m.task === task).length,
        defaultModelDir(REPO_ROOT, task) === undefined ? 0 : 1,
        `one ${task} model when one is bundled`,
      );
    }
    const model = binaryModels[0] as (typeof stack.models)[number];
    const card = JSON.parse(await readFile(join(baseModelDir(), "card.json"), "utf8"));
    assert.equal(model.sha256, `0x${card.onnx.sha256}`);
    assert.ok(
      output.some((l) => l.includes("NeuroLedger is up.")),
      "the summary was printed",
    );
    assert.ok(
      output.some((l) => l.includes(stack.chain.rpcUrl)),
      "it printed the chain URL",
    );
    // Every institution node pins the published model.
    await eventually("all three nodes pin the model", async () => {
      const pins = await Promise.all(
        stack.institutions.map((i) => new NodeClient(i.ipfs.gatewayUrl, 5000).pins()),
      );
      return pins.every((p) => p.includes(model.cid));
    });
    // Each institution evaluates the model on its own share of the bundled samples (issue 13):
    // `status --json` lists three evaluations, with three different evaluation sets.
    const connection = await resolveConnection({ stack: stackFile, dataDir }, {});
    let evaluations: { institutionId: string; fingerprint: string }[] = [];
    await eventually(
      "all three institutions evaluated the model",
      async () => {
        const report = JSON.parse(JSON.stringify(await status(connection)));
        evaluations = report.topTen[0]?.evaluations ?? [];
        return evaluations.length === 3 || `${evaluations.length} evaluation(s)`;
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${err.message}\n${output.slice(-30).join("\n")}`);
    });
    assert.deepEqual(evaluations.map((e) => e.institutionId).sort(), ["1", "2", "3"]);
    assert.equal(new Set(evaluations.map((e) => e.fingerprint)).size, 3, "three different sets");
    const pids = stack.institutions.map((i) => i.ipfs.pid as number);

    child.process.kill("SIGINT");
    const code = await Promise.race([
      child.exited,
      new Promise((r) => setTimeout(() => r("still running"), 30_000)),
    ]);
    assert.equal(code, 0, output.slice(-20).join("\n"));
    assert.equal(existsSync(stackFile), false, "stack.json is removed on exit");
    for (const pid of pids) assert.equal(alive(pid), false, `node process ${pid} stopped`);
    await assert.rejects(
      fetch(stack.chain.rpcUrl, { method: "POST", signal: AbortSignal.timeout(2000) }),
      "the chain is down",
    );
  } finally {
    await child.stop(2000);
    await dir.remove();
  }
});

test("Ctrl-C while `up` is still starting stops what it started and exits 130", {
  timeout: 180_000,
}, async () => {
  const dir = await tempDir("up-interrupt");
  const dataDir = join(dir.path, "data");
  const output: string[] = [];
  const child = spawnChild(
    process.execPath,
    [
      BIN,
      "up",
      "--data-dir",
      dataDir,
      "--chain-port",
      "0",
      "--gateway-port",
      "0",
      "--no-model",
      "--skip",
      "web",
      "--skip",
      "indexer",
    ],
    {
      log: silentLogger,
      name: "up",
      onLine: (l) => output.push(l),
      env: { ...process.env, NEUROLEDGER_STACK: "" },
    },
  );
  try {
    // Interrupt while the contracts deploy: the chain node is up, the deploy is running.
    await eventually(
      "the deploy started",
      async () => output.some((l) => l.includes("starting service=deploy")),
      60_000,
    ).catch((err) => {
      throw new Error(`${err.message}\n${output.join("\n")}`);
    });
    const ready = output.find((l) => l.includes("chain ready")) as string;
    const pid = Number(/pid=(\d+)/.exec(ready)?.[1]);
    assert.ok(pid > 0 && alive(pid), "the chain node runs");
    child.process.kill("SIGINT");
    const code = await Promise.race([
      child.exited,
      new Promise((r) => setTimeout(() => r("still running"), 30_000)),
    ]);
    assert.equal(code, 130, output.slice(-20).join("\n"));
    assert.ok(output.some((l) => /interrupted (while|before) starting/.test(l)));
    assert.equal(alive(pid), false, "the chain node was stopped");
    assert.equal(existsSync(join(dataDir, "stack.json")), false);
  } finally {
    await child.stop(2000);
    await dir.remove();
  }
});
