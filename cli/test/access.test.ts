// Issue 11 kind 3: access is enforced by the institution nodes, not advisory. A real chain
// (anvil), the three institution nodes in their own processes, and readers that sign in.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as dagPb from "@ipld/dag-pb";
import { createDecryptStream, parseKeyring, unwrapKeyring } from "@neuroledger/sdk/crypto";
import {
  createGatewayReader,
  createGatewaySession,
  fetchPublicKeyring,
} from "@neuroledger/sdk/ipfs";
import { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { accountKeyOf, ensureEncryptionKey } from "../src/chain/accounts.ts";
import { abis, connectChain } from "../src/chain/client.ts";
import { getModel } from "../src/chain/models.ts";
import { download } from "../src/commands/download.ts";
import { grant } from "../src/commands/grant.ts";
import { publish } from "../src/commands/publish.ts";
import { startIpfsNode } from "../src/ipfs/node.ts";
import { modelVariant } from "./helpers/models.ts";
import { tempDir } from "./helpers/nodeProcess.ts";
import { eventually, startTestStack, type TestStack } from "./helpers/stack.ts";

describe("institution nodes serve a model only to accounts that may download it and recorded it", {
  timeout: 300_000,
}, () => {
  let t: TestStack;
  let model: { id: bigint; content: string; keyring: string };

  before(async () => {
    t = await startTestStack();
    const v = await modelVariant(join(t.dataDir, "work"), "access", { f1: 0.6 }, 2_500_000);
    const published = await publish({
      connection: await t.as("publisher"),
      modelPath: v.modelPath,
      cardPath: v.cardPath,
    });
    model = {
      id: BigInt(published.modelId),
      content: published.contentCid,
      keyring: published.keyringCid,
    };
  });
  after(async () => {
    await t?.stop();
  });

  const account = (name: string) => {
    const a = t.stack.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`no dev account ${name}`);
    return privateKeyToAccount(a.privateKey as Hex);
  };
  const gateway = (i: number) => t.stack.institutions[i]?.ipfs.gatewayUrl as string;
  /** Authorization headers of `name`, signed in to institution `i`'s node. */
  const signedIn = async (name: string, i: number) =>
    createGatewaySession({ gateway: gateway(i), signer: account(name) }).headers();
  const get = (i: number, path: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway(i)}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
  /** The status of every way to read each part of the model (file, raw root, CAR, a raw leaf). */
  const statuses = async (i: number, headers: Record<string, string>) => {
    const out: Record<string, number> = {};
    for (const [part, cid] of [
      ["keyring", model.keyring],
      ["content", model.content],
    ] as const) {
      for (const query of ["", "?format=raw", "?format=car"]) {
        const res = await get(i, `/ipfs/${cid}${query}`, headers);
        await res.arrayBuffer();
        out[`${part}${query}`] = res.status;
      }
    }
    return out;
  };
  const chainAs = async (name: string) => connectChain(await t.as(name));
  const recordDownload = async (name: string) => {
    const chain = await chainAs(name);
    await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "recordDownload",
      args: [model.id],
    });
  };
  const advance = async (seconds: number) => {
    const rpc = (await chainAs("institution-a")).publicClient;
    await rpc.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await rpc.request({ method: "evm_mine" as never, params: [] as never });
  };
  const allRefused = (got: Record<string, number>, status: number, who: string) => {
    for (const [what, s] of Object.entries(got)) assert.equal(s, status, `${who}: ${what}`);
  };

  test("a reader that did not sign in gets 401 for the keyring and every content block, on every node", async () => {
    for (const i of [0, 1, 2]) allRefused(await statuses(i, {}), 401, `anonymous on node ${i}`);
    const bogus = { authorization: "Bearer eyJhIjoiMHgwIn0.AAAA" };
    allRefused(await statuses(0, bogus), 401, "forged token");
  });

  test("a non-member account signs in but gets nothing of the model (403), on every node", async () => {
    for (const i of [0, 1]) {
      const got = await statuses(i, await signedIn("outsider", i));
      allRefused(got, 403, `outsider on node ${i}`);
    }
    const res = await get(0, `/ipfs/${model.keyring}`, await signedIn("outsider", 0));
    assert.match(((await res.json()) as { error: string }).error, /may not download model/);
  });

  test("an authorised clinician gets the keyring at once, the content only after recording the download", async () => {
    const headers = await signedIn("staff", 1);
    const before = await statuses(1, headers);
    for (const q of ["", "?format=raw", "?format=car"]) assert.equal(before[`keyring${q}`], 200);
    for (const q of ["", "?format=raw", "?format=car"]) assert.equal(before[`content${q}`], 403, q);
    const refusal = await get(1, `/ipfs/${model.content}`, headers);
    assert.match(((await refusal.json()) as { error: string }).error, /recordDownload/);

    await recordDownload("staff");
    const afterRecord = await statuses(1, headers);
    for (const [what, s] of Object.entries(afterRecord)) assert.equal(s, 200, what);

    // Block by block through the sdk's verified reader (the browser's path), signed in.
    const reader = await createGatewayReader({
      gateways: [gateway(1)],
      timeoutMs: 20_000,
      session: createGatewaySession({ gateway: gateway(1), signer: account("staff") }),
    });
    try {
      const viaReader = await reader.bytes(model.content, { maxBytes: 64 * 1024 * 1024 });
      const direct = new Uint8Array(
        await (await get(1, `/ipfs/${model.content}`, headers)).arrayBuffer(),
      );
      assert.ok(Buffer.from(viaReader).equals(Buffer.from(direct)));
    } finally {
      await reader.stop();
    }
    // Another account's record does not open the content for the publisher's colleague.
    const publisherView = await statuses(0, await signedIn("publisher", 0));
    assert.equal(publisherView.content, 403, "the publisher account has not recorded a download");
    assert.equal(publisherView.keyring, 200);
  });

  test("a block of the model asked for by itself is refused to a reader without a record", async () => {
    const staff = await signedIn("staff", 1);
    const root = new Uint8Array(
      await (await get(1, `/ipfs/${model.content}?format=raw`, staff)).arrayBuffer(),
    );
    const links = dagPb.decode(root).Links;
    assert.ok(links.length > 1, "the content is a DAG of several blocks");
    const leaf = (links[0] as dagPb.PBLink).Hash.toString();
    assert.equal((await get(1, `/ipfs/${leaf}?format=raw`, staff)).status, 200);
    for (const name of ["outsider", "institution-c"]) {
      for (const i of [0, 1]) {
        const res = await get(i, `/ipfs/${leaf}?format=raw`, await signedIn(name, i));
        assert.equal(res.status, 403, `${name} asks node ${i} for a leaf`);
      }
    }
    assert.equal((await get(1, `/ipfs/${leaf}?format=raw`)).status, 401);
  });

  test("a patient revoked before ever downloading gets nothing", async () => {
    const b = await t.as("institution-b");
    await grant({ connection: b, patient: account("patient").address, modelId: model.id, days: 1 });
    const granted = await statuses(1, await signedIn("patient", 1));
    assert.equal(granted.keyring, 200, "while granted, the keyring is served");
    await grant({
      connection: b,
      patient: account("patient").address,
      modelId: model.id,
      revoke: true,
    });
    await new Promise((r) => setTimeout(r, 3_500)); // the node trusts a chain answer for 3 s
    allRefused(await statuses(1, await signedIn("patient", 1)), 403, "revoked patient");
    allRefused(await statuses(0, await signedIn("patient", 0)), 403, "revoked patient on A");
  });

  test("a patient whose grant expired gets nothing, even with a download recorded while it ran", async () => {
    const chainB = await chainAs("institution-b");
    const block = await chainB.publicClient.getBlock();
    await chainB.write({
      address: chainB.registry,
      abi: abis.registry,
      functionName: "grantPatientAccess",
      args: [account("patient").address, model.id, block.timestamp + 60n],
    });
    await recordDownload("patient");
    const headers = await signedIn("patient", 1);
    const running = await statuses(1, headers);
    for (const [what, s] of Object.entries(running)) assert.equal(s, 200, `before expiry: ${what}`);
    await advance(120);
    await new Promise((r) => setTimeout(r, 3_500));
    allRefused(await statuses(1, headers), 403, "expired patient (same token)");
    allRefused(await statuses(2, await signedIn("patient", 2)), 403, "expired patient on C");
  });

  test("sign-in refuses messages for another node, a used nonce, a long or future validity, another statement", async () => {
    const staff = account("staff");
    const nonceOf = async (i: number) =>
      (await (await get(i, "/auth/nonce")).json()) as { nonce: string; chainId: number };
    const token = (i: number, body: unknown) =>
      fetch(`${gateway(i)}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const message = async (i: number, overrides: Record<string, unknown> = {}) => {
      const { nonce, chainId } = await nonceOf(i);
      const url = new URL(gateway(i));
      const now = Date.now();
      return createSiweMessage({
        domain: url.host,
        address: staff.address,
        statement:
          "Sign in to this NeuroLedger institution node to read the models you may download.",
        uri: url.origin,
        version: "1",
        chainId,
        nonce,
        issuedAt: new Date(now),
        expirationTime: new Date(now + 60_000),
        ...overrides,
      });
    };
    const signed = async (text: string) => ({
      message: text,
      signature: await staff.signMessage({ message: text }),
    });

    const good = await signed(await message(1));
    assert.equal((await token(1, good)).status, 200);
    assert.equal((await token(1, good)).status, 401, "the nonce is spent");
    // A message for node B relayed to node A (another domain): refused.
    const forB = await signed(await message(1));
    assert.equal((await token(0, forB)).status, 401, "another node's message");
    const cases: Record<string, unknown>[] = [
      { domain: "evil.example" },
      { uri: "https://evil.example" },
      { chainId: 1 },
      { statement: "Something else" },
      {
        issuedAt: new Date(Date.now() + 3_600_000),
        expirationTime: new Date(Date.now() + 3_660_000),
      },
      { expirationTime: new Date(Date.now() + 3_600_000) },
      { expirationTime: new Date(Date.now() - 1000) },
      { nonce: "abcdefgh12345678" },
    ];
    for (const overrides of cases) {
      const res = await token(1, await signed(await message(1, overrides)));
      assert.equal(res.status, 401, JSON.stringify(overrides));
    }
    // Someone else's signature over the message.
    const text = await message(1);
    const res = await token(1, {
      message: text,
      signature: await account("outsider").signMessage({ message: text }),
    });
    assert.equal(res.status, 401);
    // A token of node B is nothing on node A.
    const tokenB = (await (await token(1, await signed(await message(1)))).json()) as {
      token: string;
    };
    assert.equal(
      (await get(0, `/ipfs/${model.keyring}`, { authorization: `Bearer ${tokenB.token}` })).status,
      401,
    );
    for (const body of [
      {},
      { message: "x" },
      { message: text, signature: "0x12" },
      { message: text, signature: good.signature, extra: 1 },
    ]) {
      assert.equal((await token(1, body)).status, 400, JSON.stringify(body).slice(0, 60));
    }
  });

  test("a libp2p node outside the consortium cannot connect to a member node nor bitswap the ciphertext", async () => {
    const dir = await tempDir("stranger");
    const stranger = await startIpfsNode({ dir: dir.path });
    try {
      for (const inst of t.stack.institutions) {
        await stranger
          .dial(inst.ipfs.multiaddrs[0] as string, AbortSignal.timeout(5000))
          .catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 500));
      const member = new Set(t.stack.institutions.map((i) => i.ipfs.peerId));
      const connected = stranger.helia.libp2p
        .getPeers()
        .map(String)
        .filter((p) => member.has(p));
      assert.deepEqual(connected, [], "no member node keeps a connection to a stranger");
      await assert.rejects(
        (async () => {
          for await (const _ of stranger.fs.cat(CID.parse(model.content), {
            signal: AbortSignal.timeout(4000),
          })) {
            // any byte would be a failure
          }
        })(),
      );
      // The member nodes still reach each other.
      const peersOfA = (await t.nodeOf(0).id()).peers;
      assert.ok(peersOfA.includes(t.stack.institutions[1]?.ipfs.peerId as string));
    } finally {
      await stranger.stop();
      await dir.remove();
    }
  });

  test("anyone gets the public part of a kept keyring (card, no wraps), and nothing else by that route", async () => {
    const res = await get(0, `/cards/${model.keyring}`);
    assert.equal(res.status, 200);
    const publicPart = parseKeyring(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(publicPart.wraps, []);
    assert.equal(publicPart.content, model.content);
    assert.ok(publicPart.card, "the card is there");
    const viaSdk = parseKeyring(
      await fetchPublicKeyring({ gateway: gateway(1), cid: model.keyring }),
    );
    assert.deepEqual(viaSdk.card, publicPart.card);
    for (const path of [
      `/cards/${model.content}`,
      "/cards/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    ])
      assert.equal((await get(0, path)).status, 404, path);
    assert.equal((await get(0, "/cards/notacid")).status, 400);
    assert.equal((await get(0, `/cards/${model.keyring}?x=1`)).status, 400);
  });

  test("a CID of no kept model is not served, even to an authorised reader", async () => {
    const unrelated = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const res = await get(1, `/ipfs/${unrelated}`, await signedIn("staff", 1));
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /not a block of a model/);
  });

  /** The model's keyring as the chain names it now, read through A's node as A's member. */
  const currentKeyring = async () => {
    const onChain = await getModel(await chainAs("staff"), model.id);
    return { onChain, keyring: parseKeyring(await t.nodeOf(0).catBytes(onChain.keyringCid)) };
  };
  const hasWrap = async (name: string) =>
    (await currentKeyring()).keyring.wraps.some(
      (w) => w.account === account(name).address.toLowerCase(),
    );
  /** Registers `name`'s encryption key and waits for the keeper to wrap the model for it. */
  const wrappedFor = async (name: string) => {
    const chain = await chainAs(name);
    await ensureEncryptionKey(chain, await accountKeyOf(chain));
    await eventually(`the keeper wraps model ${model.id} for ${name}`, () => hasWrap(name), 40_000);
  };
  const decrypts = async (bytes: Uint8Array, key: Uint8Array) => {
    try {
      await new Response(
        new Blob([new Uint8Array(bytes)]).stream().pipeThrough(createDecryptStream(key)),
      ).arrayBuffer();
      return true;
    } catch {
      return false;
    }
  };

  test("revoking a patient who unwrapped the key rotates it: new ciphertext, same sha256, the old wrap opens nothing served", async () => {
    const b = await t.as("institution-b");
    const patient = account("patient").address;
    await grant({ connection: b, patient, modelId: model.id, days: 1 });
    await wrappedFor("patient");
    const before = await currentKeyring();
    const out = join(t.dataDir, "work", "patient-rotation.onnx");
    const patientConnection = await t.as("patient", { node: gateway(1) });
    await download({ connection: patientConnection, modelId: model.id, out });
    const patientChain = await connectChain(patientConnection);
    const oldKey = await unwrapKeyring(before.keyring, patient, await accountKeyOf(patientChain));

    await grant({ connection: b, patient, modelId: model.id, revoke: true });
    await eventually(
      "the publisher's node rotates the content key",
      async () => (await currentKeyring()).onChain.contentCid !== before.onChain.contentCid,
      60_000,
    );
    const after = await currentKeyring();
    assert.equal(after.onChain.sha256, before.onChain.sha256, "same plaintext");
    assert.equal(after.onChain.contentVersion, before.onChain.contentVersion + 1);
    assert.equal(after.keyring.content, after.onChain.contentCid);
    assert.ok(!after.keyring.wraps.some((w) => w.account === patient.toLowerCase()), "no wrap");
    assert.deepEqual(after.keyring.card, before.keyring.card, "the card is carried over");

    // A clinician downloads the new content (identical model bytes) ...
    const staffOut = join(t.dataDir, "work", "staff-after-rotation.onnx");
    await download({ connection: await t.as("staff"), modelId: model.id, out: staffOut });
    assert.ok((await readFile(staffOut)).equals(await readFile(out)), "same model bytes");
    // ... the old content is served to nobody any more, and the patient's old key opens nothing new.
    const staff = await signedIn("staff", 1);
    assert.equal((await get(1, `/ipfs/${before.onChain.contentCid}`, staff)).status, 403);
    const newContent = new Uint8Array(
      await (await get(1, `/ipfs/${after.onChain.contentCid}`, staff)).arrayBuffer(),
    );
    assert.ok(newContent.length > 2_500_000);
    assert.equal(await decrypts(newContent, oldKey), false, "the old key opens nothing new");
    const staffKey = await unwrapKeyring(
      after.keyring,
      account("staff").address,
      await accountKeyOf(await chainAs("staff")),
    );
    assert.equal(await decrypts(newContent, staffKey), true, "the new key does");
    allRefused(
      await statuses(1, await signedIn("patient", 1)),
      403,
      "revoked patient after rotation",
    );
    // The old download record of the staff no longer counts for the new content:
    assert.equal(
      (await get(0, `/ipfs/${after.onChain.contentCid}`, await signedIn("publisher", 0))).status,
      403,
    );
  });

  test("a grant that expires (no event) makes the keeper rotate the key once the chain passes its expiry", async () => {
    const chainB = await chainAs("institution-b");
    const block = await chainB.publicClient.getBlock();
    await chainB.write({
      address: chainB.registry,
      abi: abis.registry,
      functionName: "grantPatientAccess",
      args: [account("patient").address, model.id, block.timestamp + 90n],
    });
    await wrappedFor("patient");
    const before = (await currentKeyring()).onChain.contentCid;
    await advance(200);
    await eventually(
      "the keeper rotates the key after the grant expired",
      async () => (await currentKeyring()).onChain.contentCid !== before,
      60_000,
    );
    assert.equal(await hasWrap("patient"), false);
  });
});
