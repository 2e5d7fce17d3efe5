import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDeployment } from "@neuroledger/chain/schemas";
import { getAddress, keccak256, toBytes } from "viem";
import { tasksOf } from "../../lib/tasks.ts";
import { BadRequestError, checkTask } from "../../src/api/audit/params.ts";

const BINARY = "brain-tumor-mri/binary";
const TYPE = "brain-tumor-mri/type";
const id = (task: string) => keccak256(toBytes(task));
const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const proxy = (n: number) => ({ address: address(n), implementation: address(n + 100) });

/** A deployment file as chain writes it, before issue 15 (no `contracts.tasks`) unless `tasks`. */
function deployment(tasks?: unknown[]) {
  return parseDeployment({
    chainId: 31337,
    deployBlock: 1,
    deployedAt: "2026-11-30T00:00:00Z",
    contracts: {
      membership: address(1),
      governor: address(2),
      timelock: address(3),
      registry: proxy(4),
      ...(tasks ? { tasks } : {}),
    },
    implementations: {
      membership: address(11),
      governor: address(12),
      timelock: address(13),
      registry: address(14),
    },
    parameters: {
      votingDelay: 1,
      votingPeriod: 30,
      proposalThreshold: 1,
      quorumPercent: 50,
      timelockDelay: 5,
    },
  });
}

describe("the task registries of a deployment", () => {
  it("reads a deployment made before tasks as one task at contracts.registry", () => {
    assert.deepEqual(tasksOf(deployment()), [
      { task: BINARY, taskId: id(BINARY), registry: "0x0000000000000000000000000000000000000004" },
    ]);
  });

  it("lists every task of contracts.tasks in order, registries checksummed", () => {
    const tasks = tasksOf(
      deployment([
        { task: BINARY, taskId: id(BINARY), registry: proxy(4) },
        { task: TYPE, taskId: id(TYPE), registry: proxy(0xabcdef) },
      ]),
    );
    assert.deepEqual(
      tasks.map((t) => [t.task, t.registry]),
      [
        [BINARY, "0x0000000000000000000000000000000000000004"],
        [TYPE, getAddress(address(0xabcdef))],
      ],
    );
  });

  it("refuses a task whose taskId is not keccak256 of its name (the chain schema's check), naming the entry", () => {
    assert.throws(
      () =>
        deployment([
          { task: BINARY, taskId: id(BINARY), registry: proxy(4) },
          { task: TYPE, taskId: id(BINARY), registry: proxy(5) },
        ]),
      /contracts\.tasks\.1\.taskId\): not keccak256 of "brain-tumor-mri\/type"/,
    );
  });

  it("refuses a task list that contradicts itself, naming the entry", () => {
    // The chain's schema refuses these while the file is read.
    const refusedByTheSchema: [unknown[], RegExp][] = [
      [
        [
          { task: BINARY, taskId: id(BINARY), registry: proxy(4) },
          { task: BINARY, taskId: id(BINARY), registry: proxy(5) },
        ],
        /contracts\.tasks\.1\.task\): task brain-tumor-mri\/binary listed twice/,
      ],
      [
        [{ task: TYPE, taskId: id(TYPE), registry: proxy(5) }],
        /contracts\.tasks\.0\.registry\.address\): the first task's registry must be contracts\.registry/,
      ],
    ];
    for (const [tasks, message] of refusedByTheSchema) {
      assert.throws(() => deployment(tasks), message);
    }
    // One registry for two tasks passes the schema; the indexer cannot tell its events apart.
    assert.throws(
      () =>
        tasksOf(
          deployment([
            { task: BINARY, taskId: id(BINARY), registry: proxy(4) },
            { task: TYPE, taskId: id(TYPE), registry: proxy(4) },
          ]),
          "d.json",
        ),
      /Invalid deployment file d\.json: contracts\.tasks: \[1\] repeats the registry of \[0\] \("brain-tumor-mri\/binary"\)/,
    );
  });
});

describe("?task=", () => {
  it("passes a known task or none, and names the known ones otherwise", () => {
    assert.equal(checkTask(undefined, [BINARY, TYPE]), undefined);
    assert.equal(checkTask(TYPE, [BINARY, TYPE]), TYPE);
    for (const bad of [
      "brain-tumor-mri/grade",
      "BRAIN-TUMOR-MRI/TYPE",
      "brain-tumor-mri",
      id(TYPE),
    ]) {
      assert.throws(
        () => checkTask(bad, [BINARY, TYPE]),
        (error: unknown) => {
          assert.ok(error instanceof BadRequestError);
          assert.equal(error.problems[0]!.parameter, "task");
          assert.equal(
            error.problems[0]!.message,
            `unknown task ${JSON.stringify(bad)} (known: ${BINARY}, ${TYPE})`,
          );
          return true;
        },
      );
    }
  });
});
