// Issue 11, kinds 6 and 9 (CLI side), on a real chain (anvil) and three institution nodes in their
// own processes: `download` records on chain only what can succeed, a killed download leaves
// nothing decrypted, and `grant` / `publish` refuse with the real reason.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseModelCard } from "@neuroledger/sdk/card";
import { publishParamsFromCard } from "@neuroledger/sdk/chain";
import {
  buildKeyring,
  bytesToStream,
  generateContentKey,
  serializeKeyring,
} from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { abis, connectChain } from "../src/chain/client.ts";
import { publishedIdFromLogs } from "../src/chain/models.ts";
import { download } from "../src/commands/download.ts";
import { grant } from "../src/commands/grant.ts";
import { publish } from "../src/commands/publish.ts";
import { resolveConnection } from "../src/config.ts";
import { ExitCode, exitCodeOf } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { sealAndAdd } from "../src/models/storage.ts";
import { spawnChild } from "../src/up/childProcess.ts";
import { modelVariant } from "./helpers/models.ts";
import { BIN, once } from "./helpers/nodeProcess.ts";
import { eventually, startTestStack, type TestStack } from "./helpers/stack.ts";

type Rejection = Error & { exitCode?: number };

describe("download records only what succeeds; grant and publish name the real reason", {
  timeout: 300_000,
}, () => {
  let t: TestStack;
  let work: string;
  let model: { id: bigint; modelPath: string; bytes: Buffer };

  before(async () => {
    t = await startTestStack();
    work = join(t.dataDir, "work");
    await mkdir(work, { recursive: true });
    const v = await modelVariant(work, "audited", { f1: 0.6 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    model = {
      id: BigInt(published.modelId),
      modelPath: v.modelPath,
      bytes: await readFile(v.modelPath),
    };
  });
  after(async () => {
    await t?.stop();
  });

  const account = (name: string) => {
    const a = t.stack.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`no dev account ${name}`);
    return a;
  };
  const gateway = (i: number) => t.stack.institutions[i]?.ipfs.gatewayUrl as string;
  /** The ModelDownloaded rows on chain for `who` (and `modelId`, when given). */
  const downloadRows = async (who: Address, modelId?: bigint) => {
    const chain = await connectChain(await t.as("institution-a"));
    const logs = await chain.publicClient.getContractEvents({
      address: chain.registry,
      abi: abis.registry,
      eventName: "ModelDownloaded",
      args: { account: who, ...(modelId === undefined ? {} : { modelId }) },
      fromBlock: 0n,
    });
    return logs.length;
  };
  const connectionWithKey = (privateKey: Hex, node: string) =>
    resolveConnection(
      {
        rpc: t.stack.chain.rpcUrl,
        key: privateKey,
        node,
        deployment: t.stack.chain.deploymentFile,
        dataDir: t.dataDir,
        stack: "",
      },
      {},
    );
  /**
   * A card for a model registered straight on the registry: the committed card with a fresh
   * sha256 (never published) and the given F1, so it ranks low.
   */
  async function lowCard(f1: number) {
    const card = parseModelCard(await readFile(join(work, "audited", "card.json"), "utf8"));
    // Edited in place (a spread of the v1 | v2 card union would lose which one it is).
    card.onnx.sha256 = randomBytes(32).toString("hex");
    card.metrics.test.f1 = f1;
    return card;
  }
  /** Registers a model straight on the registry (as the publisher), with the given CIDs and card. */
  async function registerDirectly(
    content: string,
    keyring: string,
    card: Awaited<ReturnType<typeof lowCard>>,
  ) {
    const chain = await connectChain(await t.as("publisher"));
    const { logs } = await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        publishParamsFromCard({
          card,
          content,
          keyring,
          weightsHash: `0x${randomBytes(32).toString("hex")}`,
        }),
      ],
    });
    return publishedIdFromLogs(logs) as bigint;
  }

  test("a bad --out is refused before anything is recorded on chain", async () => {
    const staff = account("staff").address as Address;
    const aFile = join(work, "a-file");
    await writeFile(aFile, "not a folder");
    const folderNamedLikeAModel = join(work, "taken.onnx");
    await mkdir(folderNamedLikeAModel, { recursive: true });
    // Root writes through permission bits, so as root the unwritable folder is /proc (no file can
    // be created there by anyone); otherwise a folder without write permission.
    let unwritable = "/proc";
    if (process.getuid?.() !== 0) {
      unwritable = join(work, "read-only");
      await mkdir(unwritable, { recursive: true });
      await chmod(unwritable, 0o555);
    }
    const cases: [string, RegExp][] = [
      [join(work, "no", "such", "dir", "m.onnx"), /output folder .*dir does not exist/],
      [join(aFile, "m.onnx"), /output folder .*a-file is not a folder/],
      [work, /is a folder: name a file inside it/],
      [`${work}/`, /ends with a slash, so it names a folder/],
      [join(work, "not-there", "/"), /ends with a slash, so it names a folder/],
      [folderNamedLikeAModel, /taken\.onnx is a folder/],
      [join(unwritable, "m.onnx"), /cannot write in the output folder/],
      ["", /--out is empty/],
    ];
    const before = await downloadRows(staff);
    for (const [out, message] of cases) {
      await assert.rejects(
        download({ connection: await t.as("staff"), modelId: model.id, out }),
        (err: Rejection) => {
          assert.match(err.message, message, `--out ${out}`);
          assert.equal(exitCodeOf(err), ExitCode.invalidInput, `--out ${out}`);
          return true;
        },
      );
      assert.equal(await downloadRows(staff), before, `--out ${out} recorded a download`);
    }
    assert.equal(await readFile(aFile, "utf8"), "not a folder", "nothing written over a file");
  });

  test("a keyring that exists nowhere is refused before anything is recorded", async () => {
    const nowhere = CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString();
    const node = t.nodeOf(0);
    const { cid: content } = await sealAndAdd({
      store: node,
      plaintext: bytesToStream(model.bytes),
      contentKey: generateContentKey(),
    });
    const id = await registerDirectly(content, nowhere, await lowCard(0.03));
    const out = join(work, "no-keyring.onnx");
    await assert.rejects(
      download({ connection: await t.as("staff"), modelId: id, out, timeoutMs: 3000 }),
    );
    assert.equal(await downloadRows(account("staff").address as Address, id), 0);
    assert.equal(existsSync(out), false);
  });

  test("a keyring without the account's wrap is refused before anything is recorded", async () => {
    // Wrapped for the publisher alone: the keeper (institution A's node, which has no wrap
    // either) cannot add one, so the staff account of B, whose key is registered, has none.
    const chain = await connectChain(await t.as("publisher"));
    const publisherKey = (await chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "encryptionKeyOf",
      args: [account("publisher").address as Address],
    })) as Hex;
    const contentKey = generateContentKey();
    const node = t.nodeOf(0);
    const { cid: content } = await sealAndAdd({
      store: node,
      plaintext: bytesToStream(model.bytes),
      contentKey,
    });
    // The keyring carries the registered card, so only the missing wrap is wrong with it.
    const card = await lowCard(0.02);
    const keyring = await buildKeyring(
      contentKey,
      [{ account: account("publisher").address as Address, publicKey: publisherKey }],
      card,
    );
    const keyringCid = await node.add(once(new TextEncoder().encode(serializeKeyring(keyring))));
    const id = await registerDirectly(content, keyringCid, card);
    const out = join(work, "no-wrap.onnx");
    await assert.rejects(
      download({ connection: await t.as("staff"), modelId: id, out }),
      (err: Rejection) => {
        assert.match(err.message, /keyring holds no key for account .*nothing was recorded/);
        assert.equal(exitCodeOf(err), ExitCode.refused);
        return true;
      },
    );
    assert.equal(await downloadRows(account("staff").address as Address, id), 0);
    assert.equal(existsSync(out), false);
  });

  test("a new staff account: download registers its key, a keeper wraps for it, the download succeeds", async () => {
    const key = `0x${randomBytes(32).toString("hex")}` as Hex;
    const fresh = privateKeyToAccount(key).address;
    const b = await connectChain(await t.as("institution-b"));
    await b.publicClient.request({
      method: "anvil_setBalance" as never,
      params: [fresh, "0xde0b6b3a7640000"] as never,
    });
    await b.write({
      address: b.registry,
      abi: abis.registry,
      functionName: "addStaff",
      args: [fresh],
    });
    const out = join(work, "new-staff.onnx");
    const result = await download({
      connection: await connectionWithKey(key, gateway(1)),
      modelId: model.id,
      out,
    });
    assert.equal(result.registeredKey, true);
    assert.ok((await readFile(out)).equals(model.bytes));
    assert.equal(await downloadRows(fresh, model.id), 1, "one download row");
  });

  test("kill -9 during the decryption leaves nothing decrypted; the next run removes leftovers", async () => {
    // 32 MiB, so that a CLI writing plaintext to a plain partial file is caught in the act.
    const big = await modelVariant(work, "big", { f1: 0.61 }, 32 * 1024 * 1024);
    const bigModel = await publish({
      connection: await t.as("publisher"),
      modelPath: big.modelPath,
      cardPath: big.cardPath,
    });
    const plaintext = await readFile(big.modelPath);
    const dir = join(work, "killed");
    await mkdir(dir, { recursive: true });
    const marker = join(work, "killed-marker.json");
    const staff = account("staff");
    const args = [
      BIN,
      "download",
      bigModel.modelId,
      "--out",
      join(dir, "model.onnx"),
      "--rpc",
      t.stack.chain.rpcUrl,
      "--deployment",
      t.stack.chain.deploymentFile,
      "--node",
      gateway(1),
      "--json",
    ];
    const env = { ...process.env, NEUROLEDGER_KEY: staff.privateKey, NEUROLEDGER_STACK: "" };
    const child = spawnChild(process.execPath, args, {
      log: silentLogger,
      name: "download",
      env: { ...env, NEUROLEDGER_TEST_HOLD_DURING_DECRYPT: marker },
    });
    // Either the hold point, or (a CLI that writes a plain partial file) that file appearing.
    await eventually(
      "the download process is writing decrypted bytes",
      async () => existsSync(marker) || (await readdir(dir)).some((f) => f.endsWith(".partial")),
      60_000,
    );
    if (existsSync(marker)) {
      // The scratch file held decrypted model bytes while the process lived.
      const { pid, fd } = JSON.parse(await readFile(marker, "utf8")) as { pid: number; fd: number };
      const held = await readFile(`/proc/${pid}/fd/${fd}`);
      assert.ok(held.length > 0 && plaintext.subarray(0, held.length).equals(held));
    }
    child.process.kill("SIGKILL");
    await child.exited;
    const left = await readdir(dir);
    for (const name of left) {
      const bytes = await readFile(join(dir, name));
      const head = Math.min(bytes.length, 4096);
      assert.ok(
        head === 0 || !plaintext.subarray(0, head).equals(bytes.subarray(0, head)),
        `${name} holds decrypted model bytes (${bytes.length} bytes)`,
      );
    }
    assert.deepEqual(left, [], "nothing at all stays behind the killed run");

    // Leftovers of a run killed while placing the verified file (ours, with a dead pid) and of
    // older CLI versions (no pid, untouched for an hour) are removed by the next download.
    const dead = spawnChild(process.execPath, ["-e", ""], { log: silentLogger, name: "dead" });
    await dead.exited;
    const ours = `.model.onnx.nl-${dead.process.pid}-${randomBytes(6).toString("hex")}.partial`;
    const legacy = `.model.onnx.${randomBytes(6).toString("hex")}.partial`;
    for (const name of [ours, legacy]) await writeFile(join(dir, name), plaintext);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, legacy), hourAgo, hourAgo);
    const lines: string[] = [];
    const rerun = spawnChild(process.execPath, args, {
      log: silentLogger,
      name: "download",
      env,
      onLine: (l) => lines.push(l),
    });
    assert.equal(await rerun.exited, 0, lines.join("\n"));
    assert.deepEqual(await readdir(dir), ["model.onnx"]);
    assert.ok((await readFile(join(dir, "model.onnx"))).equals(plaintext));
  });

  test("grant --days outside whole days 1..3650 is refused with the limit, before any transaction", async () => {
    const patient = account("patient").address as Address;
    const chain = await connectChain(await t.as("institution-b"));
    const grants = async () =>
      (
        await chain.publicClient.getContractEvents({
          address: chain.registry,
          abi: abis.registry,
          eventName: "PatientAccessGranted",
          args: { patient },
          fromBlock: 0n,
        })
      ).length;
    const before = await grants();
    const bad = [
      "1e9",
      "-5",
      "0",
      "1.5",
      "NaN",
      "Infinity",
      "3651",
      "99999999999999999999",
      "0x10",
      "",
      "abc",
    ];
    for (const days of [...bad, 1e9, -1, 0.5, Number.NaN]) {
      await assert.rejects(
        grant({ connection: await t.as("institution-b"), patient, modelId: model.id, days }),
        (err: Rejection) => {
          assert.match(err.message, /whole number of days from 1 to 3650/, `--days ${days}`);
          assert.equal(exitCodeOf(err), ExitCode.invalidInput);
          return true;
        },
      );
    }
    // Through the command line too (commander passes "-5" on as the value).
    const lines: string[] = [];
    const cli = spawnChild(
      process.execPath,
      [BIN, "grant", patient, model.id.toString(), "--days", "1e9", "--rpc", t.stack.chain.rpcUrl],
      {
        log: silentLogger,
        name: "grant",
        env: {
          ...process.env,
          NEUROLEDGER_KEY: account("institution-b").privateKey,
          NEUROLEDGER_STACK: "",
        },
        onLine: (l) => lines.push(l),
      },
    );
    assert.equal(await cli.exited, ExitCode.invalidInput);
    assert.match(lines.join("\n"), /--days must be a whole number of days from 1 to 3650/);
    assert.doesNotMatch(lines.join("\n"), /SafeCast/);
    assert.equal(await grants(), before, "no grant was sent");
    const longest = await grant({
      connection: await t.as("institution-b"),
      patient,
      modelId: model.id,
      days: "3650",
    });
    assert.ok(new Date(longest.expiresAt as string).getTime() > Date.now() + 3649 * 86_400_000);
  });

  test("grant by a staff account or an outsider says who can grant instead", async () => {
    const patient = account("patient").address as Address;
    await assert.rejects(
      grant({ connection: await t.as("staff"), patient, modelId: model.id, days: 1 }),
      (err: Rejection) => {
        assert.match(
          err.message,
          /is staff of institution #2 \(Borealis Medical Center\) and staff cannot grant or revoke patient access: only Borealis Medical Center's own account 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC can/,
        );
        assert.doesNotMatch(err.message, /not \(or no longer\) a member/);
        assert.equal(exitCodeOf(err), ExitCode.refused);
        return true;
      },
    );
    await assert.rejects(
      grant({ connection: await t.as("staff"), patient, modelId: model.id, revoke: true }),
      /staff cannot grant or revoke/,
    );
    await assert.rejects(
      grant({ connection: await t.as("outsider"), patient, modelId: model.id, days: 1 }),
      /is not an account of any member institution: only a member institution's own account can grant/,
    );
  });

  test("publish refuses a card whose test metrics cover no image, before anything is added", async () => {
    const v = await modelVariant(work, "no-test-set");
    const card = JSON.parse(await readFile(v.cardPath, "utf8"));
    // No test image at all: n = 0 and an empty confusion matrix (the schema checks that n counts
    // the matrix, so a bare n = 0 is refused as an inconsistent card before this rule is reached).
    card.metrics.test.n = 0;
    card.metrics.test.confusion = card.metrics.test.confusion.map((row: number[]) =>
      row.map(() => 0),
    );
    await writeFile(v.cardPath, JSON.stringify(card));
    const pinsBefore = await t.nodeOf(0).pins();
    await assert.rejects(
      publish({
        connection: await t.as("publisher"),
        modelPath: v.modelPath,
        cardPath: v.cardPath,
      }),
      (err: Rejection) => {
        assert.equal(err.name, "InvalidModelCardError");
        assert.match(err.message, /metrics\.test\.n = 0 images: .*at least one image/);
        return true;
      },
    );
    const chain = await connectChain(await t.as("publisher"));
    const published = await chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "modelIdByWeights",
      args: [v.weightsHash],
    });
    assert.equal(published, 0n);
    assert.deepEqual(await t.nodeOf(0).pins(), pinsBefore, "nothing was added or pinned");
  });
});
