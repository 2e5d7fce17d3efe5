// Issue 13, last item: republishing the same network with cosmetic changes gains nothing. On a
// real chain (anvil) with the three institution nodes: the publisher is refused before anything
// is uploaded, the chain's own refusal reads the same, and evaluators refuse a model whose
// decrypted weights are not the ones its publisher declared.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseModelCard, weightsHash } from "@neuroledger/sdk/card";
import { publishParamsFromCard } from "@neuroledger/sdk/chain";
import {
  buildKeyring,
  bytesToStream,
  generateContentKey,
  serializeKeyring,
} from "@neuroledger/sdk/crypto";
import { WeightsAlreadyPublishedError } from "@neuroledger/sdk/errors";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import type { Address, Hex } from "viem";
import { changeMetadata, renameTensors } from "../../sdk/src/card/testing/onnxVariants.ts";
import { accountKeyOf, ensureEncryptionKey } from "../src/chain/accounts.ts";
import { abis, connectChain } from "../src/chain/client.ts";
import { publishedIdFromLogs } from "../src/chain/models.ts";
import { publish } from "../src/commands/publish.ts";
import { ExitCode, exitCodeOf } from "../src/errors.ts";
import { type Logger, silentLogger } from "../src/log.ts";
import { sealAndAdd } from "../src/models/storage.ts";
import { createEvaluator } from "../src/node/evaluator.ts";
import { spawnChild } from "../src/up/childProcess.ts";
import { modelVariant, REPO_ROOT } from "./helpers/models.ts";
import { BIN, once } from "./helpers/nodeProcess.ts";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

describe("one network, one model: weights published once", { timeout: 300_000 }, () => {
  let t: TestStack;
  let work: string;
  let original: Awaited<ReturnType<typeof modelVariant>>;
  let originalId: bigint;

  before(async () => {
    t = await startTestStack();
    work = join(t.dataDir, "work");
    // Cedar Clinic (which evaluates below) has a key before the publish, so the keyring wraps for it.
    const cedar = await connectChain(await t.as("institution-c"));
    await ensureEncryptionKey(cedar, await accountKeyOf(cedar));
    original = await modelVariant(work, "original", { f1: 0.6 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: original.modelPath,
      cardPath: original.cardPath,
    });
    originalId = BigInt(published.modelId);
  });
  after(async () => {
    await t?.stop();
  });

  const chainAs = async (name: string) => connectChain(await t.as(name));
  const account = (name: string) => t.stack.accounts.find((a) => a.name === name);
  const modelCount = async () => {
    const chain = await chainAs("publisher");
    return chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "nextModelId",
    });
  };

  /** The original network as another file: renamed tensors and nodes, new metadata, a new card. */
  async function cosmeticCopy(tag: string, f1: number) {
    const bytes = changeMetadata(renameTensors(new Uint8Array(await readFile(original.modelPath))));
    const fileSha = createHash("sha256").update(bytes).digest("hex");
    assert.notEqual(fileSha, original.sha256, "a different file");
    assert.equal(weightsHash(bytes), original.weightsHash, "the same weights");
    const card = parseModelCard(await readFile(original.cardPath, "utf8"));
    card.onnx.sha256 = fileSha;
    card.name = `${tag}-definitely-new`;
    card.metrics.test.f1 = f1;
    const dir = join(work, tag);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "model.onnx"), bytes);
    await writeFile(join(dir, "card.json"), JSON.stringify(card));
    return { modelPath: join(dir, "model.onnx"), cardPath: join(dir, "card.json"), card, bytes };
  }

  test("publish refuses a cosmetic copy (exit code 4, the sentence), uploading nothing", async () => {
    const copy = await cosmeticCopy("cosmetic", 0.99);
    const pinsBefore = await t.nodeOf(0).pins();
    const countBefore = await modelCount();
    const lines: string[] = [];
    const run = spawnChild(
      process.execPath,
      [
        BIN,
        "publish",
        "--model",
        copy.modelPath,
        "--card",
        copy.cardPath,
        "--rpc",
        t.stack.chain.rpcUrl,
        "--deployment",
        t.stack.chain.deploymentFile,
        "--node",
        t.stack.institutions[0]?.ipfs.gatewayUrl as string,
        "--data-dir",
        t.dataDir,
      ],
      {
        log: silentLogger,
        name: "publish",
        env: {
          ...process.env,
          NEUROLEDGER_KEY: account("publisher")?.privateKey,
          NEUROLEDGER_STACK: "",
        },
        onLine: (line) => lines.push(line),
      },
    );
    assert.equal(await run.exited, ExitCode.refused, lines.join("\n"));
    assert.match(
      lines.join("\n"),
      new RegExp(
        `these weights are already published as model ${originalId} \\(ignoring names and metadata\\)`,
      ),
    );
    assert.equal(await modelCount(), countBefore, "nothing new on chain");
    assert.deepEqual(await t.nodeOf(0).pins(), pinsBefore, "nothing was added or pinned");
  });

  test("the very same file again is the idempotent re-run: model N, nothing sent", async () => {
    const again = await publish({
      connection: await t.as("publisher"),
      modelPath: original.modelPath,
      cardPath: original.cardPath,
    });
    assert.equal(again.published, false);
    assert.equal(again.modelId, originalId.toString());
    assert.equal(again.weightsHash, original.weightsHash);
  });

  test("the chain's refusal (a publisher that skips the check) reads the same sentence", async () => {
    const copy = await cosmeticCopy("direct", 0.98);
    const chain = await chainAs("publisher");
    const nowhere = CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString();
    await assert.rejects(
      chain.write({
        address: chain.registry,
        abi: abis.registry,
        functionName: "publish",
        args: [
          publishParamsFromCard({
            card: copy.card,
            content: nowhere,
            keyring: nowhere,
            weightsHash: weightsHash(copy.bytes),
          }),
        ],
      }),
      (err: Error) => {
        assert.ok(err instanceof WeightsAlreadyPublishedError, String(err));
        assert.equal(err.modelId, originalId);
        assert.match(
          err.message,
          new RegExp(
            `these weights are already published as model ${originalId} \\(ignoring names`,
          ),
        );
        assert.equal(exitCodeOf(err), ExitCode.refused);
        return true;
      },
    );
  });

  test("evaluators refuse a model whose weights are not the ones its publisher declared", async () => {
    // A publisher that lies: the original network (a cosmetic copy) registered under a made-up
    // weights hash, encrypted for Cedar Clinic so it can download it.
    const copy = await cosmeticCopy("liar", 0.97);
    const chain = await chainAs("publisher");
    const cedar = await chainAs("institution-c");
    const cedarKey = await accountKeyOf(cedar);
    const publisherKey = await accountKeyOf(chain);
    const contentKey = generateContentKey();
    const node = t.nodeOf(0);
    const { cid } = await sealAndAdd({
      store: node,
      plaintext: bytesToStream(copy.bytes),
      contentKey,
      size: copy.bytes.length,
    });
    const recipients = [
      { account: cedar.account?.address as Address, publicKey: cedarKey.publicKey },
      { account: chain.account?.address as Address, publicKey: publisherKey.publicKey },
    ];
    const keyring = await buildKeyring(contentKey, recipients, copy.card, { content: cid });
    const keyringCid = await node.add(once(new TextEncoder().encode(serializeKeyring(keyring))));
    const declared = `0x${randomBytes(32).toString("hex")}` as Hex;
    const { logs } = await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        publishParamsFromCard({
          card: copy.card,
          content: cid,
          keyring: keyringCid,
          weightsHash: declared,
        }),
      ],
    });
    const liarId = publishedIdFromLogs(logs) as bigint;

    // A labelled folder from the smoke model's test-vector images.
    const data = join(work, "eval-data");
    const vectors = join(REPO_ROOT, "training", "models", "smoke", "vectors");
    const pngs = (await readdir(vectors)).filter((f) => f.endsWith(".png")).sort();
    for (const [i, file] of pngs.entries()) {
      const cls = i % 2 === 0 ? "no" : "yes";
      await mkdir(join(data, cls), { recursive: true });
      await copyFile(join(vectors, file), join(data, cls, file));
    }
    const submissions = async (modelId: bigint) =>
      chain.publicClient.getContractEvents({
        address: chain.registry,
        abi: abis.registry,
        eventName: "EvaluationSubmitted",
        args: { modelId },
        fromBlock: 0n,
      });

    // `neuroledger evaluate --model <id> --submit`: refused before it evaluates or submits.
    const lines: string[] = [];
    const run = spawnChild(
      process.execPath,
      [
        BIN,
        "evaluate",
        "--model",
        liarId.toString(),
        "--data",
        data,
        "--submit",
        "--rpc",
        t.stack.chain.rpcUrl,
        "--deployment",
        t.stack.chain.deploymentFile,
        "--node",
        t.stack.institutions[2]?.ipfs.gatewayUrl as string,
        "--data-dir",
        join(t.dataDir, "cedar-cli"),
      ],
      {
        log: silentLogger,
        name: "evaluate",
        env: {
          ...process.env,
          NEUROLEDGER_KEY: account("institution-c")?.privateKey,
          NEUROLEDGER_STACK: "",
        },
        onLine: (line) => lines.push(line),
      },
    );
    assert.equal(await run.exited, ExitCode.integrity, lines.join("\n"));
    assert.match(
      lines.join("\n"),
      new RegExp(`model ${liarId}'s weights are not the ones its publisher declared`),
    );
    assert.equal((await submissions(liarId)).length, 0, "nothing submitted");

    // The node evaluator (`node --evaluate-on`) shares the check: it measures the honest model and
    // refuses the liar's.
    const warnings: string[] = [];
    const log: Logger = {
      info() {},
      warn: (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields)}`),
      error() {},
      child: () => log,
    };
    const connection = { ...(await t.as("institution-c")), dataDir: join(t.dataDir, "cedar-node") };
    await mkdir(connection.dataDir, { recursive: true });
    const evaluator = createEvaluator({
      connection,
      evaluateOn: data,
      gatewayUrl: () => t.stack.institutions[2]?.ipfs.gatewayUrl as string,
      log,
    });
    await evaluator.start(undefined as never);
    await evaluator.idle();
    await evaluator.stop();
    assert.equal((await submissions(originalId)).length, 1, "the honest model was measured");
    assert.equal((await submissions(liarId)).length, 0, "the liar's model was not");
    assert.ok(
      warnings.some((w) =>
        w.includes(`model ${liarId}'s weights are not the ones its publisher declared`),
      ),
      warnings.join("\n"),
    );
  });
});
