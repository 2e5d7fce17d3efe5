// Tasks (issue 15, docs/interfaces.md section 14): the stack runs one registry per task; publish
// goes to the registry of the card's task; `--task` picks the registry a command reads; a task the
// deployment does not run is invalid input (exit 3) naming the tasks it runs; encryption keys are
// registered in every task's registry.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { TASK, TYPE_TASK } from "@neuroledger/chain";
import { getEncryptionKey } from "@neuroledger/chain/actions";
import { cidToChain } from "@neuroledger/sdk/chain";
import { keccak256, parseEventLogs, sha256, toBytes, toHex } from "viem";
import { abis, connectChain, withTask } from "../src/chain/client.ts";
import { publish } from "../src/commands/publish.ts";
import { status } from "../src/commands/status.ts";
import { InvalidInputError } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { spawnChild } from "../src/up/childProcess.ts";
import { modelVariant } from "./helpers/models.ts";
import { BIN, once, tempDir } from "./helpers/nodeProcess.ts";
import { eventually, startTestStack, type TestStack } from "./helpers/stack.ts";

describe("tasks: one registry per task", { timeout: 240_000 }, () => {
  let t: TestStack;
  before(async () => {
    t = await startTestStack();
  });
  after(async () => {
    await t?.stop();
  });

  const registryOf = (task: string) => {
    const entry = t.stack.chain.contracts.tasks?.find((e) => e.task === task);
    assert.ok(entry, `stack.json records the ${task} registry`);
    return entry.registry;
  };

  test("stack.json records both tasks' registries; the first is contracts.registry", () => {
    assert.deepEqual(
      t.stack.chain.contracts.tasks?.map((e) => e.task),
      [TASK, TYPE_TASK],
    );
    assert.equal(registryOf(TASK), t.stack.chain.contracts.registry);
    assert.notEqual(registryOf(TYPE_TASK), registryOf(TASK));
  });

  test("every account's encryption key is registered in every task's registry, the same key", async () => {
    const chain = await connectChain(await t.as("publisher"));
    for (const name of ["publisher", "staff"]) {
      const account = t.stack.accounts.find((a) => a.name === name);
      assert.ok(account);
      const keys = await Promise.all(
        [TASK, TYPE_TASK].map((task) =>
          getEncryptionKey(chain.publicClient, {
            registry: registryOf(task),
            account: account.address,
          }),
        ),
      );
      assert.notEqual(BigInt(keys[0] as string), 0n, `${name} has a key`);
      assert.equal(keys[0], keys[1], `${name} has the same key in both registries`);
    }
  });

  test("publish goes to the card's task; --task picks the registry a read uses", async () => {
    const dir = await tempDir("tasks");
    try {
      const variant = await modelVariant(dir.path, "tasks-binary");
      const connection = await t.as("publisher");
      // A --task that names another task than the card's is refused before anything is added.
      await assert.rejects(
        publish({ connection: { ...connection, task: TYPE_TASK }, ...variant, log: silentLogger }),
        (err: Error) =>
          err instanceof InvalidInputError &&
          err.message.includes(`--task ${TYPE_TASK} does not match the card's task ${TASK}`),
      );
      const result = await publish({ connection, ...variant, log: silentLogger });
      const binary = await status(connection);
      const type = await status({ ...connection, task: TYPE_TASK });
      assert.equal(binary.chain.task, TASK);
      assert.equal(binary.latest?.id, result.modelId);
      assert.equal(type.chain.task, TYPE_TASK);
      assert.equal(type.chain.registry, registryOf(TYPE_TASK));
      assert.equal(type.latest, null, "the type task's registry has no model");
      assert.equal(type.topTen.length, 0);
    } finally {
      await dir.remove();
    }
  });

  test("a task the deployment does not run is invalid input naming the tasks it runs (exit 3)", async () => {
    const connection = await t.as("staff");
    await assert.rejects(
      connectChain({ ...connection, task: "brain-tumor-mri/grade" }),
      (err: Error) =>
        err instanceof InvalidInputError &&
        err.message.includes(`this deployment runs: ${TASK}, ${TYPE_TASK}`),
    );
    const output: string[] = [];
    const child = spawnChild(
      process.execPath,
      [
        BIN,
        "status",
        "--rpc",
        t.stack.chain.rpcUrl,
        "--deployment",
        t.stack.chain.deploymentFile,
        "--data-dir",
        join(t.dataDir, "cli"),
        "--task",
        "brain-tumor-mri/grade",
      ],
      {
        log: silentLogger,
        name: "status",
        onLine: (l) => output.push(l),
        env: { ...process.env, NEUROLEDGER_STACK: "" },
      },
    );
    assert.equal(await child.exited, 3, output.join("\n"));
    assert.ok(
      output.some((l) => l.includes('Unknown task "brain-tumor-mri/grade"')),
      output.join("\n"),
    );
  });
  test("every institution node pins and serves the type task's models too", async () => {
    const chain = await connectChain(await t.as("publisher"));
    const typeChain = withTask(chain, TYPE_TASK);
    const publisherNode = t.nodeOf(0);
    // A model of the type task, registered directly (this branch's card schema knows one task):
    // the node follows the registry, not the card.
    const content = await publisherNode.add(
      once(new TextEncoder().encode(`type content ${Date.now()}`)),
    );
    const keyring = await publisherNode.add(
      once(new TextEncoder().encode(`type keyring ${Date.now()}`)),
    );
    const tag = toHex(`type-model-${Date.now()}`);
    const { logs } = await typeChain.write({
      address: typeChain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        {
          content: cidToChain(content),
          keyring: cidToChain(keyring),
          sha256: sha256(tag),
          metrics: {
            accuracy: 9000,
            precision: 9000,
            recall: 9000,
            f1: 9000,
            auc: 9000,
            testSetSize: 40,
          },
          taskId: keccak256(toBytes(TYPE_TASK)),
          parentId: 0n,
          cardHash: sha256(toHex(`card ${tag}`)),
          weightsHash: sha256(toHex(`weights ${tag}`)),
        },
      ],
    });
    const [published] = parseEventLogs({ abi: abis.registry, eventName: "ModelPublished", logs });
    assert.equal(published?.args.modelId, 1n, "the type task's first model");
    // The other institutions' nodes pin it (one follower per task's registry).
    await eventually("nodes B and C pin the type model", async () => {
      const pins = await Promise.all([1, 2].map((i) => t.nodeOf(i).pins()));
      return pins.every((p) => p.includes(content) && p.includes(keyring));
    });
    // Node B's gateway serves the keyring to its member (may download the type model): before
    // tasks the gateway knew only the binary registry's blocks and refused with 403.
    const bytes: Uint8Array[] = [];
    for await (const part of await t.nodeOf(1).cat(keyring)) bytes.push(part);
    assert.match(Buffer.concat(bytes).toString(), /^type keyring/);
  });

  test("one account sending several transactions at once (a node's keepers, one per task): no nonce collides", async () => {
    // A node runs a keeper per task, all signing with the node's account; sends that overlap must
    // each get their own nonce (not the same pending count twice: "nonce too low").
    const chain = await connectChain(await t.as("institution-c"));
    const wallet = chain.walletClient;
    assert.ok(wallet?.account);
    const me = wallet.account.address;
    const before = await chain.publicClient.getTransactionCount({ address: me });
    const hashes = await Promise.all(
      [0, 1, 2, 3].map(() =>
        wallet.sendTransaction({
          account: wallet.account!,
          chain: wallet.chain,
          to: me,
          value: 0n,
        }),
      ),
    );
    const receipts = await Promise.all(
      hashes.map((hash) => chain.publicClient.waitForTransactionReceipt({ hash })),
    );
    assert.deepEqual(
      receipts.map((r) => r.status),
      ["success", "success", "success", "success"],
    );
    assert.equal(await chain.publicClient.getTransactionCount({ address: me }), before + 4);
  });
});
