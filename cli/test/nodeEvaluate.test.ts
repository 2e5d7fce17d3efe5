// Issue 13, item 3 (node part): `neuroledger node --evaluate-on <dir>` measures every published
// model on its institution's private folder and records it on chain, once per evaluation set. On a
// real chain (anvil) with the three institution nodes in their own processes, started by `up`
// with Cedar Clinic's folder given as `--evaluation-data` would.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { devAccounts, TASK, TYPE_TASK } from "@neuroledger/chain";
import { abis, connectChain } from "../src/chain/client.ts";
import { nodeCommand } from "../src/commands/node.ts";
import { publish } from "../src/commands/publish.ts";
import { InvalidInputError, UsageError } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { evaluationPlan, parseEvaluationFolder } from "../src/node/evaluationPlan.ts";
import { createEvaluator } from "../src/node/evaluator.ts";
import { BUNDLED_SAMPLES, splitSamples } from "../src/up/evaluationSets.ts";
import { modelVariant, REPO_ROOT } from "./helpers/models.ts";
import { tempDir } from "./helpers/nodeProcess.ts";
import { eventually, startTestStack, type TestStack } from "./helpers/stack.ts";

/** The files of a labelled folder as "<class>/<file>", sorted. */
async function filesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue; // e.g. ATTRIBUTION.md beside the class folders
    const label = entry.name;
    for (const file of await readdir(join(dir, label))) out.push(`${label}/${file}`);
  }
  return out.sort();
}

/**
 * The evaluation set's fingerprint as docs/interfaces.md section 8 defines it, computed here:
 * lines "<label>/<sha256>", the label being the task's label of the class folder.
 */
async function fingerprintOf(
  dir: string,
  labelOf: (folder: string) => string = (folder) => folder,
): Promise<string> {
  const lines: string[] = [];
  for (const path of await filesOf(dir)) {
    const label = labelOf(path.split("/")[0] as string);
    const hash = createHash("sha256")
      .update(await readFile(join(dir, path)))
      .digest("hex");
    lines.push(`${label}/${hash}`);
  }
  return `0x${createHash("sha256").update(lines.sort().join("\n")).digest("hex")}`;
}

test("the bundled samples split into three disjoint sets, each with both classes", async () => {
  const dir = await tempDir("split");
  try {
    const samples = join(REPO_ROOT, BUNDLED_SAMPLES);
    const sets = await splitSamples(samples, join(dir.path, "sets"), 3);
    assert.equal(sets.length, 3);
    const all: string[] = [];
    for (const set of sets) {
      const files = await filesOf(set);
      assert.deepEqual((await readdir(set)).sort(), ["no", "yes"], `${set} has both classes`);
      all.push(...files);
    }
    assert.deepEqual(all.sort(), await filesOf(samples), "disjoint, and together every sample");
    assert.equal(new Set(all).size, all.length);
  } finally {
    await dir.remove();
  }
});

test("node --evaluate-on refuses, before starting anything, a missing folder or no chain", async () => {
  const dir = await tempDir("evaluate-on-refused");
  try {
    const base = { name: "x", dataDir: join(dir.path, "node"), log: silentLogger };
    await assert.rejects(
      nodeCommand({
        ...base,
        evaluateOn: join(dir.path, "missing"),
        follow: { rpc: "http://127.0.0.1:1" },
      }),
      (err: Error) =>
        err instanceof InvalidInputError && /missing: no such folder/.test(err.message),
    );
    await assert.rejects(
      nodeCommand({ ...base, evaluateOn: dir.path }),
      (err: Error) => err instanceof UsageError && /needs a chain connection/.test(err.message),
    );
  } finally {
    await dir.remove();
  }
});

test("--evaluate-on [task=]dir: a folder per task, the first task by default; unknown tasks and a task twice refused", async () => {
  const dir = await tempDir("evaluate-on-plan");
  try {
    const binary = join(dir.path, "binary");
    const type = join(dir.path, "type=set");
    await mkdir(binary);
    await mkdir(type);
    const tasks = [TASK, TYPE_TASK];
    assert.deepEqual(await parseEvaluationFolder(binary), { folder: binary });
    assert.deepEqual(await parseEvaluationFolder(`${TYPE_TASK}=${binary}`), {
      task: TYPE_TASK,
      folder: binary,
    });
    // An existing folder is a folder, though it holds "=".
    assert.deepEqual(await parseEvaluationFolder(type), { folder: type });
    await assert.rejects(
      parseEvaluationFolder(`${TYPE_TASK}=${join(dir.path, "missing")}`),
      (err: Error) =>
        err instanceof InvalidInputError && /missing: no such folder/.test(err.message),
    );
    assert.deepEqual(
      [...evaluationPlan([{ folder: binary }, { task: TYPE_TASK, folder: type }], tasks)],
      [
        [TASK, binary],
        [TYPE_TASK, type],
      ],
    );
    assert.throws(
      () => evaluationPlan([{ task: "brain-tumor-mri/grade", folder: binary }], tasks),
      (err: Error) =>
        err instanceof InvalidInputError &&
        err.message.includes(`runs no task brain-tumor-mri/grade (it runs: ${TASK}, ${TYPE_TASK})`),
    );
    assert.throws(
      () => evaluationPlan([{ folder: binary }, { task: TASK, folder: type }], tasks),
      (err: Error) => err instanceof UsageError && /task .* has two folders/.test(err.message),
    );
  } finally {
    await dir.remove();
  }
});

/** Runs one evaluator over every kept model of its task, then stops it. */
async function evaluateOnce(options: Parameters<typeof createEvaluator>[0]): Promise<void> {
  const evaluator = createEvaluator(options);
  await evaluator.start(undefined as never);
  await evaluator.idle();
  await evaluator.stop();
}

describe("node --evaluate-on submits members' evaluations", { timeout: 300_000 }, () => {
  let t: TestStack;
  let sets: string[];
  let work: { path: string; remove(): Promise<void> };

  before(async () => {
    work = await tempDir("evaluate-on");
    sets = await splitSamples(join(REPO_ROOT, BUNDLED_SAMPLES), join(work.path, "sets"), 3);
    // Only Cedar Clinic's node evaluates (as `up --no-evaluation --evaluation-data cedar=<dir>`).
    t = await startTestStack(undefined, {
      evaluation: { folders: { cedar: sets[0] as string }, bundled: false },
    });
  });
  after(async () => {
    await t?.stop();
    await work?.remove();
  });

  /** Every `EvaluationSubmitted` of `modelId`, oldest first. */
  const submissions = async (modelId: bigint) => {
    const chain = await connectChain(await t.as("publisher"));
    return chain.publicClient.getContractEvents({
      address: chain.registry,
      abi: abis.registry,
      eventName: "EvaluationSubmitted",
      args: { modelId },
      fromBlock: 0n,
    });
  };

  test("a published model is evaluated by the node on its folder, and not again for the same set", async () => {
    const v = await modelVariant(join(work.path, "models"), "evaluated", { f1: 0.7 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    const modelId = BigInt(published.modelId);
    await eventually(
      "Cedar Clinic's node submits its evaluation",
      async () => (await submissions(modelId)).length > 0 || "no EvaluationSubmitted yet",
      120_000,
    );
    const [first, ...others] = await submissions(modelId);
    assert.equal(others.length, 0, "one submission");
    const args = first?.args as NonNullable<typeof first>["args"];
    assert.equal(args.institutionId, 3n, "for Cedar Clinic (institution 3)");
    assert.equal(args.evaluator?.toLowerCase(), devAccounts.institutionC.address.toLowerCase());
    assert.equal(args.publisherSite, false);
    assert.equal(args.evaluation?.fingerprint, await fingerprintOf(sets[0] as string));
    const files = await filesOf(sets[0] as string);
    assert.equal(args.evaluation?.positives, files.filter((f) => f.startsWith("yes/")).length);
    assert.equal(args.evaluation?.negatives, files.filter((f) => f.startsWith("no/")).length);

    // The node restarted (a fresh evaluator on the same folder): the same set is not sent twice.
    const cedar = t.stack.institutions[2]?.ipfs.gatewayUrl as string;
    const connection = { ...(await t.as("institution-c")), dataDir: join(work.path, "restart") };
    await mkdir(connection.dataDir, { recursive: true });
    await evaluateOnce({
      connection,
      evaluateOn: sets[0] as string,
      gatewayUrl: () => cedar,
      log: silentLogger,
    });
    assert.equal((await submissions(modelId)).length, 1, "no second submission for the same set");

    // A different private set is a new measurement: it replaces the institution's evaluation.
    await evaluateOnce({
      connection,
      evaluateOn: sets[1] as string,
      gatewayUrl: () => cedar,
      log: silentLogger,
    });
    const after = await submissions(modelId);
    assert.equal(after.length, 2, "a new set is submitted");
    assert.equal(after[1]?.args.replaced, true);
    assert.equal(after[1]?.args.evaluation?.fingerprint, await fingerprintOf(sets[1] as string));
    // Only the institution given a folder evaluated.
    assert.ok(after.every((e) => e.args.institutionId === 3n));
  });

  test("a type-task model is evaluated on the type task's folder (four classes) and filed in the type registry", async () => {
    // Cedar's private type-task set: two images of each type and two tumor-free ones.
    const smokeType = join(REPO_ROOT, "training", "models", "smoke-type");
    const typeSet = join(work.path, "type-set");
    for (const [folder, files] of [
      ["glioma", ["v0.png", "v1.png"]],
      ["meningioma", ["v2.png", "v3.png"]],
      ["no", ["v4.png", "v5.png"]],
      ["pituitary", ["v6.png", "v7.png"]],
    ] as const) {
      await mkdir(join(typeSet, folder), { recursive: true });
      for (const f of files)
        await copyFile(join(smokeType, "vectors", f), join(typeSet, folder, f));
    }
    const v = await modelVariant(join(work.path, "models"), "type-evaluated", {}, 0, smokeType);
    const publisher = { ...(await t.as("publisher")), task: TYPE_TASK };
    const published = await publish({
      connection: publisher,
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    const modelId = BigInt(published.modelId);
    const cedar = t.stack.institutions[2]?.ipfs.gatewayUrl as string;
    const connection = {
      ...(await t.as("institution-c")),
      task: TYPE_TASK,
      dataDir: join(work.path, "type-eval"),
    };
    await mkdir(connection.dataDir, { recursive: true });
    await evaluateOnce({
      connection,
      evaluateOn: typeSet,
      gatewayUrl: () => cedar,
      log: silentLogger,
    });
    const chain = await connectChain(publisher);
    const submitted = await chain.publicClient.getContractEvents({
      address: chain.registry,
      abi: abis.registry,
      eventName: "EvaluationSubmitted",
      args: { modelId },
      fromBlock: 0n,
    });
    assert.equal(submitted.length, 1, "one submission, in the type task's registry");
    const args = submitted[0]?.args as NonNullable<(typeof submitted)[number]>["args"];
    assert.equal(args.institutionId, 3n);
    assert.equal(args.evaluation?.positives, 6, "tumors of any type");
    assert.equal(args.evaluation?.negatives, 2, "no_tumor");
    // The type task's label of the folder "no" is no_tumor (TASKS[TYPE_TASK].folders).
    assert.equal(
      args.evaluation?.fingerprint,
      await fingerprintOf(typeSet, (folder) => (folder === "no" ? "no_tumor" : folder)),
    );
  });
});
