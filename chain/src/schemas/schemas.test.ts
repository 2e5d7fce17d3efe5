// The shared files' schemas: what they accept, and that a bad file's error names every bad field.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keccak256, toBytes } from "viem";
import { TASK, TASK_ID, TYPE_TASK, TYPE_TASK_ID } from "../constants.ts";
import { loadDeployment, taskRegistry } from "../readDeployment.ts";
import { MAX_TASK_BYTES, parseDeployment, parseStack, taskNameProblem } from "./index.ts";

const a = "0x00000000000000000000000000000000000000a1";
const deployment = {
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

const stack = {
  schema: "neuroledger.stack/1",
  dataDir: ".neuroledger",
  startedAt: "2026-11-29T00:00:00.000Z",
  pid: 42,
  chain: {
    rpcUrl: "http://127.0.0.1:8545",
    chainId: 31337,
    deploymentFile: "chain/deployments/31337.json",
    contracts: { membership: a, governor: a, timelock: a, registry: a },
  },
  institutions: [],
  accounts: [],
  models: [],
  services: { indexer: { url: "http://127.0.0.1:42069", extra: true } },
};

describe("deploymentSchema", () => {
  it("accepts a file written before task, taskId and evmVersion were recorded (this package's)", () => {
    const parsed = parseDeployment(deployment);
    assert.equal(parsed.parameters.taskId, TASK_ID);
    assert.equal(parsed.parameters.evmVersion, "cancun");
  });

  it("takes deployEndBlock (the deployment's last block), not one before deployBlock", () => {
    assert.equal(parseDeployment({ ...deployment, deployEndBlock: 9 }).deployEndBlock, 9);
    assert.equal(parseDeployment(deployment).deployEndBlock, undefined);
    assert.throws(
      () => parseDeployment({ ...deployment, deployEndBlock: 2 }, "x.json"),
      /\(x\.json: deployEndBlock\): before deployBlock \(3\)/,
    );
  });

  it("names every bad field, with the file", () => {
    const bad = {
      ...deployment,
      deployBlock: -1,
      deployedAt: "yesterday",
      contracts: { ...deployment.contracts, registry: a },
      parameters: { ...deployment.parameters, quorumPercent: 101, taskId: "0x12" },
    };
    assert.throws(
      () => parseDeployment(bad, "x.json"),
      (err: Error) => {
        for (const part of [
          "(x.json: deployBlock): not a non-negative integer",
          "(x.json: deployedAt): not an ISO date",
          "(x.json: contracts.registry)",
          "(x.json: parameters.quorumPercent)",
          "(x.json: parameters.taskId): not 32 bytes of hex",
        ]) {
          assert.ok(err.message.includes(part), `${err.message} names ${part}`);
        }
        return true;
      },
    );
    assert.throws(() => parseDeployment(null), /Invalid deployment file \(deployment\)/);
  });

  it("names each task's registry; a file without tasks has its one task", () => {
    const b = "0x00000000000000000000000000000000000000b2";
    const withTasks = parseDeployment({
      ...deployment,
      contracts: {
        ...deployment.contracts,
        taskDirectory: { address: b, implementation: b },
        tasks: [
          { task: TASK, taskId: TASK_ID, registry: { address: a, implementation: a } },
          { task: TYPE_TASK, taskId: TYPE_TASK_ID, registry: { address: b, implementation: a } },
        ],
      },
    });
    assert.equal(taskRegistry(withTasks, TYPE_TASK).address, b);
    assert.equal(taskRegistry(withTasks, TASK).address, a);
    assert.throws(
      () => taskRegistry(withTasks, "brain-tumor-mri/grade"),
      /Unknown task "brain-tumor-mri\/grade"; this deployment runs: brain-tumor-mri\/binary, brain-tumor-mri\/type/,
    );
    const legacy = parseDeployment(deployment);
    assert.equal(taskRegistry(legacy, TASK).address, a);
    assert.throws(
      () => taskRegistry(legacy, TYPE_TASK),
      /this deployment runs: brain-tumor-mri\/binary$/,
    );
  });

  it("refuses a task list whose first registry is not contracts.registry, a wrong id or a repeat", () => {
    const b = "0x00000000000000000000000000000000000000b2";
    const bad = {
      ...deployment,
      contracts: {
        ...deployment.contracts,
        tasks: [
          { task: TASK, taskId: TASK_ID, registry: { address: b, implementation: a } },
          { task: TYPE_TASK, taskId: TASK_ID, registry: { address: b, implementation: a } },
          { task: TASK, taskId: TASK_ID, registry: { address: b, implementation: a } },
        ],
      },
    };
    assert.throws(
      () => parseDeployment(bad, "x.json"),
      (err: Error) => {
        for (const part of [
          "(x.json: contracts.tasks.0.registry.address): the first task's registry must be contracts.registry",
          `(x.json: contracts.tasks.1.taskId): not keccak256 of "${TYPE_TASK}"`,
          `(x.json: contracts.tasks.2.task): task ${TASK} listed twice`,
        ]) {
          assert.ok(err.message.includes(part), `${err.message} names ${part}`);
        }
        return true;
      },
    );
  });

  it("refuses a task name TaskDirectory.addTask refuses, naming the entry and the character (security review, issue 15)", () => {
    // Look-alikes of the type task's name: zero-width space, Cyrillic e, a capital, a bidi override.
    for (const [name, why] of [
      [`${TYPE_TASK}\u200b`, /character 21 \(U\+200B\)/],
      ["brain-tumor-mri/typ\u0435", /character 20 \(U\+0435\)/],
      ["Brain-tumor-mri/type", /character 1 \("B", U\+0042\)/],
      ["brain-tumor-mri/\u202eepyt", /character 17 \(U\+202E\)/],
      ["x".repeat(MAX_TASK_BYTES + 1), /is 129 bytes long; at most 128/],
    ] as const) {
      const hostile = {
        ...deployment,
        contracts: {
          ...deployment.contracts,
          tasks: [
            { task: TASK, taskId: TASK_ID, registry: { address: a, implementation: a } },
            {
              task: name,
              taskId: keccak256(toBytes(name)),
              registry: {
                address: "0x00000000000000000000000000000000000000b2",
                implementation: a,
              },
            },
          ],
        },
      };
      assert.throws(
        () => parseDeployment(hostile, "x.json"),
        (err: Error) =>
          err.message.includes("(x.json: contracts.tasks.1.task): task name") &&
          why.test(err.message),
      );
    }
    assert.equal(taskNameProblem(TYPE_TASK), undefined);
    assert.equal(taskNameProblem("abcdefghijklmnopqrstuvwxyz/0123456789-_."), undefined);
    assert.equal(taskNameProblem(""), "is empty");
    // 65 characters, 129 bytes: the limit is in bytes, as on chain.
    assert.match(taskNameProblem("\u00e9".repeat(64) + "a") ?? "", /129 bytes/);
  });

  it("loads a named file, refusing one made on another chain or missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "nl-schemas-"));
    const file = join(dir, "prod.json");
    writeFileSync(file, JSON.stringify(deployment));
    assert.equal(loadDeployment({ file }).chainId, 7);
    assert.equal(loadDeployment({ chainId: 7, file }).deployBlock, 3);
    assert.throws(() => loadDeployment({ chainId: 8, file }), /prod\.json is for chain 7, not 8/);
    assert.throws(() => loadDeployment({ file: join(dir, "none.json") }), /does not exist/);
    assert.throws(() => loadDeployment({}), /needs a chain id or a file/);
  });
});

describe("stackSchema", () => {
  it("keeps a service's own keys and refuses a bad address, naming it", () => {
    const parsed = parseStack(stack);
    assert.equal(parsed.services.indexer?.extra, true);
    const bad = {
      ...stack,
      chain: { ...stack.chain, contracts: { ...stack.chain.contracts, governor: "0x1" } },
    };
    assert.throws(
      () => parseStack(bad, "s.json"),
      /stack file s\.json is malformed: \(s\.json: chain\.contracts\.governor\): not an address/,
    );
  });

  it("refuses a task name the directory refuses, in the task list and on a model (security review, issue 15)", () => {
    const lookalike = `${TYPE_TASK}\u200b`;
    const tasks = [{ task: lookalike, registry: "0x00000000000000000000000000000000000000b2" }];
    const badList = {
      ...stack,
      chain: { ...stack.chain, contracts: { ...stack.chain.contracts, tasks } },
    };
    assert.throws(
      () => parseStack(badList, "s.json"),
      /\(s\.json: chain\.contracts\.tasks\.0\.task\): task name character 21 \(U\+200B\)/,
    );
    const badModel = {
      ...stack,
      models: [{ task: "Brain", id: "1", name: "m", cid: "bafy" }],
    };
    assert.throws(() => parseStack(badModel, "s.json"), /models\.0\.task\): task name character 1/);
  });
});
