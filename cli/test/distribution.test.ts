// End to end on a real chain (anvil) and three institution nodes in their own processes:
// publish on one institution, download via another, every refusal, the faults, the pin follower
// and the keeper.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseModelCard } from "@neuroledger/sdk/card";
import { publishParamsFromCard } from "@neuroledger/sdk/chain";
import {
  buildKeyring,
  bytesToStream,
  generateContentKey,
  parseKeyring,
  serializeKeyring,
} from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import type { Address, Hex } from "viem";
import { accountKeyOf, ensureEncryptionKey } from "../src/chain/accounts.ts";
import { abis, connectChain } from "../src/chain/client.ts";
import { getModel, keptModelIds } from "../src/chain/models.ts";
import { download } from "../src/commands/download.ts";
import { grant } from "../src/commands/grant.ts";
import { listMembers, propose, queueOrExecute, vote } from "../src/commands/member.ts";
import { publish } from "../src/commands/publish.ts";
import { ExitCode, exitCodeOf } from "../src/errors.ts";
import type { NodeClient } from "../src/ipfs/client.ts";
import { silentLogger } from "../src/log.ts";
import { resolveModel } from "../src/models/resolveModel.ts";
import { sealAndAdd } from "../src/models/storage.ts";
import { spawnChild } from "../src/up/childProcess.ts";
import { baseModelDir, modelVariant } from "./helpers/models.ts";
import { BIN, once, startNodeProcess } from "./helpers/nodeProcess.ts";
import { eventually, startTestStack, type TestStack } from "./helpers/stack.ts";

describe("model distribution on a local chain with three institution nodes", {
  timeout: 300_000,
}, () => {
  let t: TestStack;
  let work: string;
  let first: { modelId: string; contentCid: string; modelPath: string };
  let newest: { modelId: string; contentCid: string; modelPath: string } | undefined;

  before(async () => {
    t = await startTestStack();
    work = join(t.dataDir, "work");
  });
  let restartedC: Awaited<ReturnType<typeof startNodeProcess>> | undefined;
  after(async () => {
    await restartedC?.stop();
    await t?.stop();
  });
  /** The node clients of the three institutions (C's is its restarted process once test 9 ran). */
  const allNodes = () => [t.nodeOf(0), t.nodeOf(1), restartedC?.client ?? t.nodeOf(2)];

  /** True when `ok` holds on every node; otherwise names the nodes where not, with their status. */
  const everyNode = async (ok: (n: NodeClient) => Promise<boolean>): Promise<true | string> => {
    const lagging: string[] = [];
    for (const n of allNodes()) {
      if (await ok(n)) continue;
      const { name, lastBlock, pinnedModels } = await n.id();
      lagging.push(`${name} (last block ${lastBlock}, pins models ${pinnedModels})`);
    }
    return lagging.length === 0 ? true : lagging.join("; ");
  };
  const chainAs = async (name: string) => connectChain(await t.as(name));
  const noFileAt = (path: string) =>
    assert.equal(existsSync(path), false, `${path} must not exist`);

  test("publish on institution A, download via institution B: the bytes are identical", async () => {
    const v = await modelVariant(work, "first", { f1: 0.6 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    assert.equal(published.published, true);
    first = {
      modelId: published.modelId,
      contentCid: published.contentCid,
      modelPath: v.modelPath,
    };
    // The staff account belongs to institution B: its node fetches the blocks from A by bitswap.
    const out = join(work, "first.onnx");
    const result = await download({
      connection: await t.as("staff"),
      modelId: BigInt(published.modelId),
      out,
    });
    assert.ok((await readFile(out)).equals(await readFile(v.modelPath)));
    assert.equal(result.sha256, `0x${v.sha256}`);
  });

  test("B's machine, with a fresh data dir, gets the model's card from the keyring and checks it", async () => {
    // Nothing of A's data dir is used: the card reaches B only inside the keyring on IPFS.
    const fresh = await mkdtemp(join(tmpdir(), "neuroledger-fresh-"));
    try {
      const connection = { ...(await t.as("staff")), dataDir: fresh };
      const expected = parseModelCard(await readFile(join(work, "first", "card.json"), "utf8"));
      const downloaded = await resolveModel({
        model: first.modelId,
        connection: async () => connection,
      });
      assert.deepEqual(downloaded.card, expected);
      assert.ok((await readFile(downloaded.modelPath)).equals(await readFile(first.modelPath)));
      // Second time the model file is cached; the card still comes (checked) from the keyring.
      const cached = await resolveModel({
        model: first.modelId,
        connection: async () => connection,
      });
      assert.deepEqual(cached.card, expected);
      assert.equal(existsSync(join(fresh, "cards")), false);
      assert.equal(existsSync(join(t.dataDir, "cards")), false, "publish keeps no local card copy");
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  test("a non-member cannot record a download; nothing is written", async () => {
    const out = join(work, "outsider.onnx");
    await assert.rejects(
      download({ connection: await t.as("outsider"), modelId: BigInt(first.modelId), out }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /may not download model/);
        assert.equal(exitCodeOf(err), ExitCode.refused);
        return true;
      },
    );
    noFileAt(out);
  });

  test("a granted patient without an encryption key: download registers it, a keeper wraps, the download succeeds", async () => {
    // Issue 11 kind 6: the first download registers the account's key (as publish does) and
    // waits for the keeper of the model's institution to wrap for it, instead of failing with
    // "ask a member to authorize this account" after recording the download.
    await grant({
      connection: await t.as("institution-b"),
      patient: accountOf("patient"),
      modelId: BigInt(first.modelId),
      days: 1,
    });
    const chain = await chainAs("patient");
    assert.equal(await keyOf(chain, accountOf("patient")), `0x${"0".repeat(64)}`, "no key yet");
    const out = join(work, "patient.onnx");
    const result = await download({
      connection: await t.as("patient", { node: gateway(1) }),
      modelId: BigInt(first.modelId),
      out,
    });
    assert.equal(result.registeredKey, true);
    assert.notEqual(await keyOf(chain, accountOf("patient")), `0x${"0".repeat(64)}`);
    assert.ok((await readFile(out)).equals(await readFile(first.modelPath)));
  });

  test("grant refusals name the real reason: staff account, a duration past the registry's limit", async () => {
    await assert.rejects(
      grant({
        connection: await t.as("staff"),
        patient: accountOf("patient"),
        modelId: BigInt(first.modelId),
        days: 1,
      }),
      /staff cannot grant or revoke patient access: only Borealis Medical Center's own account/,
    );
    for (const days of [1e9, 3651]) {
      await assert.rejects(
        grant({
          connection: await t.as("institution-b"),
          patient: accountOf("patient"),
          modelId: BigInt(first.modelId),
          days,
        }),
        /--days must be a whole number of days from 1 to 3650/,
      );
    }
  });

  test("a keyring whose wrap was corrupted is passed over for the previous one; a card naming another ONNX is refused", async () => {
    const v = await modelVariant(work, "tampered-keyring", { f1: 0.55 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    const node = t.nodeOf(0);
    const keyring = parseKeyring(await node.catBytes(published.keyringCid));
    const staff = accountOf("staff").toLowerCase();
    const wraps = keyring.wraps.map((w) => {
      if (w.account !== staff) return w;
      const c = w.ciphertext;
      return { ...w, ciphertext: `${c.slice(0, -2)}${c.endsWith("00") ? "01" : "00"}` as Hex };
    });
    const tamperedCid = await node.add(
      once(new TextEncoder().encode(serializeKeyring({ ...keyring, wraps }))),
    );
    // Keyrings are replaced only by the model's own institution (here: institution A).
    const chainA = await chainAs("institution-a");
    const { cidToChain } = await import("@neuroledger/sdk/chain");
    await chainA.write({
      address: chainA.registry,
      abi: abis.registry,
      functionName: "updateKeyring",
      args: [BigInt(published.modelId), cidToChain(tamperedCid)],
    });
    const out = join(work, "tampered.onnx");
    await download({ connection: await t.as("staff"), modelId: BigInt(published.modelId), out });
    assert.ok((await readFile(out)).equals(await readFile(v.modelPath)));
    await rm(out);

    // Intact wraps, but a card that describes another ONNX file: refused before any byte is written
    // (the previous keyring, the tampered one, does not open either).
    assert.equal(keyring.card?.onnx.sha256, v.sha256, "publish put the card in the keyring");
    const card = keyring.card as NonNullable<typeof keyring.card>;
    const wrongCard = { ...card, onnx: { ...card.onnx, sha256: "cd".repeat(32) } };
    const wrongCardCid = await node.add(
      once(new TextEncoder().encode(serializeKeyring({ ...keyring, card: wrongCard }))),
    );
    await chainA.write({
      address: chainA.registry,
      abi: abis.registry,
      functionName: "updateKeyring",
      args: [BigInt(published.modelId), cidToChain(wrongCardCid)],
    });
    await assert.rejects(
      download({ connection: await t.as("staff"), modelId: BigInt(published.modelId), out }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /keyring carries an unusable card.*not the on-chain/s);
        assert.equal(exitCodeOf(err), ExitCode.integrity);
        return true;
      },
    );
    noFileAt(out);
  });

  test("issue 11: another institution cannot replace a keyring; a keyring CID that exists nowhere falls back; a swapped card is refused", async () => {
    const v = await modelVariant(work, "forged-card", { f1: 0.56 });
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    const id = BigInt(published.modelId);
    const node = t.nodeOf(0);
    const keyring = parseKeyring(await node.catBytes(published.keyringCid));
    const card = keyring.card as NonNullable<typeof keyring.card>;
    // Reversed labels (the filed attack) are no card of the binary task at all now: the schema
    // refuses them before any hash is compared.
    assert.throws(
      () => serializeKeyring({ ...keyring, card: { ...card, labels: [...card.labels].reverse() } }),
      /task brain-tumor-mri\/binary has the labels \["no","yes"\]/,
    );
    // A card that is still valid but not the one bound on chain: the OOD threshold raised a
    // hundredfold, which would silence every out-of-distribution warning.
    assert.ok(
      card.schema === "neuroledger.model-card/2" && card.ood,
      "the model's card has OOD statistics",
    );
    const swapped = { ...card, ood: { ...card.ood, threshold: card.ood.threshold * 100 } };
    const forgedCid = await node.add(
      once(new TextEncoder().encode(serializeKeyring({ ...keyring, card: swapped }))),
    );
    const { cidToChain } = await import("@neuroledger/sdk/chain");
    const update = async (who: string, cid: string) => {
      const chain = await chainAs(who);
      await chain.write({
        address: chain.registry,
        abi: abis.registry,
        functionName: "updateKeyring",
        args: [id, cidToChain(cid)],
      });
    };
    // The attack as filed: staff (and the member account) of another institution.
    await assert.rejects(update("staff", forgedCid), /RegistryNotKeyringUpdater/);
    await assert.rejects(update("institution-c", forgedCid), /RegistryNotKeyringUpdater/);

    // A CID nobody holds: the download falls back to the published keyring.
    const nowhere = CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString();
    await update("institution-a", nowhere);
    const out = join(work, "forged.onnx");
    const result = await download({ connection: await t.as("staff"), modelId: id, out });
    assert.ok((await readFile(out)).equals(await readFile(v.modelPath)));
    assert.deepEqual(result.card?.labels, card.labels);
    await rm(out);

    // Even the model's own institution cannot make readers run another card.
    await update("institution-a", forgedCid);
    await assert.rejects(
      download({ connection: await t.as("staff"), modelId: id, out }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /not the card its publisher bound on chain/);
        assert.equal(exitCodeOf(err), ExitCode.integrity);
        return true;
      },
    );
    noFileAt(out);
  });

  test("a model whose plaintext does not hash to the chain's sha256 is refused; nothing is written", async () => {
    // Registered straight on the registry with a sha256 that is not the content's.
    const chain = await chainAs("publisher");
    const card = parseModelCard(await readFile(join(baseModelDir(), "card.json"), "utf8"));
    const contentKey = generateContentKey();
    const publisherKey = await accountKeyOf(chain);
    const node = t.nodeOf(0);
    const { cid } = await sealAndAdd({
      store: node,
      plaintext: bytesToStream(new TextEncoder().encode("not the model")),
      contentKey,
    });
    const recipients = [
      { account: accountOf("staff"), publicKey: await keyOf(chain, accountOf("staff")) },
      { account: chain.account?.address as Address, publicKey: publisherKey.publicKey },
    ];
    // A low F1, so the eviction test below pushes it out (its keyring has no wrap for the keeper).
    const lie = structuredClone(card);
    lie.onnx.sha256 = "ab".repeat(32);
    lie.metrics.test.f1 = 0.02;
    // The keyring carries the card bound on chain: only the decrypted bytes' sha256 is wrong.
    const keyringCid = await node.add(
      once(
        new TextEncoder().encode(
          serializeKeyring(await buildKeyring(contentKey, recipients, lie, { content: cid })),
        ),
      ),
    );
    const { logs } = await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        publishParamsFromCard({
          card: lie,
          content: cid,
          keyring: keyringCid,
          weightsHash: `0x${randomBytes(32).toString("hex")}`,
        }),
      ],
    });
    const { publishedIdFromLogs } = await import("../src/chain/models.ts");
    const id = publishedIdFromLogs(logs) as bigint;
    const out = join(work, "lie.onnx");
    await assert.rejects(
      download({ connection: await t.as("staff"), modelId: id, out }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /but the chain records 0xabab/);
        assert.equal(exitCodeOf(err), ExitCode.integrity);
        return true;
      },
    );
    noFileAt(out);
  });

  test("a malformed card or a non-ONNX file is refused before anything is added", async () => {
    const node = t.nodeOf(0);
    const pinsBefore = await node.pins();
    const v = await modelVariant(work, "bad-inputs");
    const badCard = join(work, "bad-card.json");
    await writeFile(
      badCard,
      JSON.stringify({ ...JSON.parse(await readFile(v.cardPath, "utf8")), labels: "yes" }),
    );
    await assert.rejects(
      publish({ connection: await t.as("publisher"), modelPath: v.modelPath, cardPath: badCard }),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /is not a valid model card/);
        assert.equal(exitCodeOf(err), ExitCode.invalidInput);
        return true;
      },
    );
    const notOnnx = join(work, "not-a-model.onnx");
    await writeFile(notOnnx, "this is not an ONNX model");
    await assert.rejects(
      publish({ connection: await t.as("publisher"), modelPath: notOnnx, cardPath: v.cardPath }),
      /is not a usable ONNX model/,
    );
    const card = JSON.parse(await readFile(v.cardPath, "utf8"));
    card.onnx.sha256 = "cd".repeat(32);
    const wrongSha = join(work, "wrong-sha-card.json");
    await writeFile(wrongSha, JSON.stringify(card));
    await assert.rejects(
      publish({ connection: await t.as("publisher"), modelPath: v.modelPath, cardPath: wrongSha }),
      /differs from the card's onnx\.sha256/,
    );
    assert.deepEqual(await node.pins(), pinsBefore, "nothing was added or pinned");
  });

  test("a dead node times out with an error instead of hanging; nothing is written", async () => {
    const out = join(work, "dead.onnx");
    const started = Date.now();
    await assert.rejects(
      download({
        connection: await t.as("staff", { node: "http://127.0.0.1:9" }),
        modelId: BigInt(first.modelId),
        out,
        timeoutMs: 3000,
      }),
      /cannot reach the IPFS node/,
    );
    assert.ok(Date.now() - started < 15_000);
    noFileAt(out);
  });

  test("kill -9 publish between the IPFS add and the chain transaction, run it again: one registry entry", async () => {
    const v = await modelVariant(work, "crash", { f1: 0.65 });
    const marker = join(work, "crash-added.json");
    const account = t.stack.accounts.find((a) => a.name === "publisher");
    const args = [
      BIN,
      "publish",
      "--model",
      v.modelPath,
      "--card",
      v.cardPath,
      "--rpc",
      t.stack.chain.rpcUrl,
      "--deployment",
      t.stack.chain.deploymentFile,
      "--node",
      gateway(0),
      "--data-dir",
      t.dataDir,
      "--json",
    ];
    const env = { ...process.env, NEUROLEDGER_KEY: account?.privateKey, NEUROLEDGER_STACK: "" };
    const crashing = spawnChild(process.execPath, args, {
      log: silentLogger,
      name: "publish",
      env: { ...env, NEUROLEDGER_TEST_HOLD_AFTER_ADD: marker },
    });
    await eventually(
      "the publish process reached the point after the IPFS add",
      async () => existsSync(marker),
      60_000,
    );
    crashing.process.kill("SIGKILL");
    await crashing.exited;
    const added = JSON.parse(await readFile(marker, "utf8")) as { contentCid: string };
    const chain = await chainAs("publisher");
    const isPublished = async () =>
      (await chain.publicClient.readContract({
        address: chain.registry,
        abi: abis.registry,
        functionName: "modelIdByWeights",
        args: [v.weightsHash],
      })) !== 0n;
    assert.equal(await isPublished(), false, "the killed run registered nothing");

    const lines: string[] = [];
    const rerun = spawnChild(process.execPath, args, {
      log: silentLogger,
      name: "publish",
      env,
      onLine: (l) => lines.push(l),
    });
    assert.equal(await rerun.exited, 0, lines.join("\n"));
    const result = JSON.parse(lines.filter((l) => l.startsWith("{")).at(-1) as string);
    assert.equal(
      result.contentCid,
      added.contentCid,
      "the re-run sealed the same bytes (same CID)",
    );
    const again = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    assert.equal(again.published, false, "a third run finds it on chain");
    assert.equal(again.modelId, result.modelId);
    const events = await chain.publicClient.getContractEvents({
      address: chain.registry,
      abi: abis.registry,
      eventName: "ModelPublished",
      fromBlock: 0n,
    });
    assert.equal(
      events.filter((e) => (e.args as { sha256: Hex }).sha256 === `0x${v.sha256}`).length,
      1,
      "exactly one registry entry",
    );
  });

  test("kill -9 a node and restart it: its pins are kept and it catches up on missed events", async () => {
    const inst = t.stack.institutions[2] as TestStack["stack"]["institutions"][number];
    const pinsBefore = await t.nodeOf(2).pins();
    assert.ok(pinsBefore.includes(first.contentCid));
    process.kill(inst.ipfs.pid as number, "SIGKILL");
    const v = await modelVariant(work, "while-down", { f1: 0.62 });
    const missed = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    const member = t.stack.accounts.find((a) => a.name === "institution-c");
    restartedC = await startNodeProcess({
      name: "cedar-clinic",
      dataDir: inst.ipfs.dataDir,
      args: ["--rpc", t.stack.chain.rpcUrl, "--deployment", t.stack.chain.deploymentFile],
      env: { NEUROLEDGER_KEY: member?.privateKey },
      peers: [t.stack.institutions[0]?.ipfs.multiaddrs[0] as string],
    });
    const restarted = restartedC;
    const pinsNow = await restarted.client.pins();
    for (const cid of pinsBefore) assert.ok(pinsNow.includes(cid), `pin ${cid} survived the kill`);
    await eventually("the restarted node pins the model published while it was down", async () =>
      (await restarted.client.pins()).includes(missed.contentCid),
    );
  });

  test("a kept model whose blocks no node has holds up no other model's pins", async () => {
    // Registered straight on the registry with CIDs of bytes nobody ever added (its publisher's
    // node died before anyone fetched them): every follower keeps trying it in the background.
    const chain = await chainAs("publisher");
    const card = parseModelCard(await readFile(join(baseModelDir(), "card.json"), "utf8"));
    card.onnx.sha256 = randomBytes(32).toString("hex");
    // Ranked above the next model, so a follower that pins in rank order meets it first.
    card.metrics.test.f1 = 0.05;
    const nowhere = async () => CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString();
    const dead = { content: await nowhere(), keyring: await nowhere() };
    await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        publishParamsFromCard({
          card,
          ...dead,
          weightsHash: `0x${randomBytes(32).toString("hex")}`,
        }),
      ],
    });
    const v = await modelVariant(work, "after-dead", { f1: 0.04 });
    const next = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    await eventually("all three nodes pin the model published after the unreachable one", () =>
      everyNode(async (n) => (await n.pins()).includes(next.contentCid)),
    );
    for (const n of allNodes()) assert.ok(!(await n.pins()).includes(dead.content));
  });

  test("a model evicted from the top ten is unpinned by every node", async () => {
    const low = await modelVariant(work, "low", { f1: 0.01, accuracy: 0.01 });
    const target = await publish({
      connection: await t.as("publisher"),
      modelPath: low.modelPath,
      cardPath: low.cardPath,
    });
    await eventually("all three nodes pin the new low model", () =>
      everyNode(async (n) => (await n.pins()).includes(target.contentCid)),
    );
    // Ten better models push it out of the top ten; it is no longer the latest either.
    for (let i = 0; i < 10; i++) {
      const v = await modelVariant(work, `better-${i}`, { f1: 0.7 + i / 100 });
      const r = await publish({
        connection: await t.as("publisher"),
        modelPath: v.modelPath,
        cardPath: v.cardPath,
      });
      newest = { modelId: r.modelId, contentCid: r.contentCid, modelPath: v.modelPath };
    }
    const chain = await chainAs("publisher");
    const { latest, top } = await keptModelIds(chain);
    assert.ok(![latest, ...top].includes(BigInt(target.modelId)), "the chain evicted it");
    await eventually("all three nodes unpinned the evicted model", () =>
      everyNode(async (n) => !(await n.pins()).includes(target.contentCid)),
    );
  });

  test("admitting a member makes a keeper wrap every kept model for it within a few blocks", async () => {
    const candidate = accountOf("candidate");
    const rpc = (await chainAs("institution-a")).publicClient;
    const advance = async (seconds: number) => {
      await rpc.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
      await rpc.request({ method: "evm_mine" as never, params: [] as never });
    };
    const proposal = await propose(await t.as("institution-a"), {
      kind: "admit",
      account: candidate,
      name: "Delta Institute",
    });
    await advance(2);
    await vote(await t.as("institution-a"), BigInt(proposal.proposalId), "for");
    await vote(await t.as("institution-b"), BigInt(proposal.proposalId), "for");
    await advance(31);
    await queueOrExecute(await t.as("institution-a"), BigInt(proposal.proposalId), "queue");
    await advance(6);
    const executed = await queueOrExecute(
      await t.as("institution-a"),
      BigInt(proposal.proposalId),
      "execute",
    );
    assert.equal(executed.state, "Executed");
    const listed = await listMembers(await t.as("staff"));
    assert.deepEqual(
      listed.members.filter((m) => m.member).map((m) => m.name),
      ["Aurora University Hospital", "Borealis Medical Center", "Cedar Clinic", "Delta Institute"],
    );
    assert.equal(
      listed.proposals.find((p) => p.proposalId === proposal.proposalId)?.state,
      "Executed",
    );

    const candidateChain = await chainAs("candidate");
    await ensureEncryptionKey(candidateChain, await accountKeyOf(candidateChain));
    const startBlock = await rpc.getBlockNumber();
    const chain = await chainAs("institution-a");
    const { latest, top } = await keptModelIds(chain);
    const kept = [...new Set([latest, ...top])];
    await eventually(
      "every kept model's keyring wraps for the new member",
      async () => {
        for (const id of kept) {
          const model = await getModel(chain, id);
          const keyring = parseKeyring(await t.nodeOf(0).catBytes(model.keyringCid));
          if (!keyring.wraps.some((w) => w.account === candidate.toLowerCase())) return false;
        }
        return true;
      },
      30_000,
    );
    const blocks = (await rpc.getBlockNumber()) - startBlock;
    assert.ok(blocks <= 30n, `took ${blocks} blocks`);
    // And the new member can now download through institution B's node.
    const out = join(work, "candidate.onnx");
    const model = newest ?? first;
    await download({
      connection: await t.as("candidate", { node: gateway(1) }),
      modelId: BigInt(model.modelId),
      out,
    });
    assert.ok((await readFile(out)).equals(await readFile(model.modelPath)));
    // The keeper's re-wrap (it now wraps for the candidate) carried the card over unchanged.
    const rewrapped = parseKeyring(
      await t.nodeOf(0).catBytes((await getModel(chain, BigInt(model.modelId))).keyringCid),
    );
    assert.ok(rewrapped.wraps.some((w) => w.account === candidate.toLowerCase()));
    assert.deepEqual(
      rewrapped.card,
      parseModelCard(await readFile(join(dirname(model.modelPath), "card.json"), "utf8")),
    );
  });

  function accountOf(name: string): Address {
    const a = t.stack.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`no dev account ${name}`);
    return a.address as Address;
  }
  function gateway(i: number): string {
    return t.stack.institutions[i]?.ipfs.gatewayUrl as string;
  }
  async function keyOf(
    chain: Awaited<ReturnType<typeof connectChain>>,
    account: Address,
  ): Promise<Hex> {
    return (await chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "encryptionKeyOf",
      args: [account],
    })) as Hex;
  }
});
