// Reader-side checks of a model's keyring against the chain (issue 11, kind 2): a keyring whose
// card was altered is refused, a keyring CID that exists nowhere falls back to the previous one.
// Keyrings are real (real X25519 wraps, real CIDs of their bytes); the "IPFS" is a content-addressed
// map that answers only CIDs whose bytes it holds, as a gateway answers 404 for the rest.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { privateKeyToAccount } from "viem/accounts";
import { cardHash } from "../card/cardHash.ts";
import { parseModelCard } from "../card/parseModelCard.ts";
import type { ModelCard } from "../card/schema.ts";
import { exampleCard } from "../card/testing/exampleCard.ts";
import { deriveAccountKey, publicKeyHex } from "../crypto/accountKey.ts";
import { generateContentKey } from "../crypto/container.ts";
import {
  buildKeyring,
  cardFromKeyring,
  type Keyring,
  parseKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "../crypto/keyring.ts";
import {
  InvalidKeyringError,
  KeyringCardError,
  KeyringUnavailableError,
  NoWrapForAccountError,
} from "../errors.ts";
import { type ChainCid, cidToChain } from "./cid.ts";
import { checkKeyringForModel, type KeyringModel, readModelKeyring } from "./modelKeyring.ts";

const ZERO = `0x${"0".repeat(64)}` as const;
const domain = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } as const;
const alice = privateKeyToAccount(`0x${"11".repeat(32)}`);
const bob = privateKeyToAccount(`0x${"22".repeat(32)}`);

/** A content-addressed block store: `put` returns the CID of the bytes; unknown CIDs fail. */
function store() {
  const blocks = new Map<string, Uint8Array>();
  return {
    async put(bytes: Uint8Array): Promise<CID> {
      const cid = CID.createV1(raw.code, await sha256.digest(bytes));
      blocks.set(cid.toString(), bytes);
      return cid;
    },
    async fetchBytes(cid: CID): Promise<Uint8Array> {
      const bytes = blocks.get(cid.toV1().toString());
      if (!bytes) throw new Error(`${cid} not found on any gateway`);
      return bytes;
    },
  };
}

async function setUp() {
  const card = parseModelCard(exampleCard());
  const ipfs = store();
  const content = await ipfs.put(new TextEncoder().encode("ciphertext of model 1"));
  const contentKey = generateContentKey();
  const aliceKey = await deriveAccountKey(alice, domain);
  const keyring = await buildKeyring(
    contentKey,
    [{ account: alice.address, publicKey: publicKeyHex(aliceKey) }],
    card,
    { content },
  );
  const keyringCid = await ipfs.put(new TextEncoder().encode(serializeKeyring(keyring)));
  const model: KeyringModel & { keyring: ChainCid } = {
    id: 1n,
    sha256: `0x${card.onnx.sha256}`,
    content: cidToChain(content),
    keyring: cidToChain(keyringCid),
    cardHash: cardHash(card),
    previousKeyring: { digest: ZERO, codec: 0 },
  };
  return { card, ipfs, content, contentKey, aliceKey, keyring, keyringCid, model };
}

/** The attack of issue 11: the same keyring with the card's labels reversed. */
function withReversedLabels(keyring: Keyring): Keyring {
  const card = keyring.card as ModelCard;
  return { ...keyring, card: { ...card, labels: [...card.labels].reverse() } };
}

describe("card hash", () => {
  it("is the same for the card the publisher hashed and the card a reader parses from the keyring", async () => {
    const { card, keyring } = await setUp();
    const reread = parseKeyring(serializeKeyring(keyring)).card as ModelCard;
    assert.equal(cardHash(reread), cardHash(card));
    // Key order does not matter (RFC 8785); a changed value does.
    const reordered = Object.fromEntries(Object.entries(card).reverse()) as ModelCard;
    assert.equal(cardHash(reordered), cardHash(card));
    assert.notEqual(cardHash({ ...card, positiveLabel: "no" }), cardHash(card));
  });
});

describe("checkKeyringForModel", () => {
  it("refuses a keyring whose card labels were reversed, though its sha256 still matches", async () => {
    const { keyring, model } = await setUp();
    const forged = parseKeyring(serializeKeyring(withReversedLabels(keyring)));
    assert.throws(
      () => cardFromKeyring(forged, model.sha256, model.cardHash),
      (err: unknown) =>
        err instanceof KeyringCardError && /not the card its publisher bound/.test(err.message),
    );
    assert.throws(() => checkKeyringForModel(forged, model), KeyringCardError);
  });

  it("refuses any other change to the card, and a keyring without a card, once a card hash is bound", async () => {
    const { keyring, model } = await setUp();
    const card = keyring.card as ModelCard;
    const altered: ModelCard[] = [
      { ...card, positiveLabel: "no" },
      { ...card, name: `${card.name} ` },
      (() => {
        const copy = structuredClone(card);
        copy.metrics.test.f1 = 0.99;
        return copy;
      })(),
      {
        ...card,
        preprocessing: { ...card.preprocessing, channelOrder: "BGR" },
      } as unknown as ModelCard,
    ];
    for (const forgedCard of altered) {
      assert.throws(
        () => checkKeyringForModel({ ...keyring, card: forgedCard }, model),
        KeyringCardError,
      );
    }
    const { card: _dropped, ...withoutCard } = keyring;
    assert.throws(() => checkKeyringForModel(withoutCard, model), /carries no model card/);
  });

  it("refuses a keyring of other content (another model, or before a key rotation)", async () => {
    const { keyring, model, ipfs } = await setUp();
    const other = await ipfs.put(new TextEncoder().encode("other ciphertext"));
    assert.throws(
      () => checkKeyringForModel({ ...keyring, content: other.toString() }, model),
      (err: unknown) =>
        err instanceof InvalidKeyringError && /not the model's on-chain content/.test(err.message),
    );
  });

  it("reports the card of a model published before card hashes as unverified", async () => {
    const { keyring, model, card } = await setUp();
    const legacy = { ...model, cardHash: ZERO };
    const checked = checkKeyringForModel(keyring, legacy);
    assert.deepEqual(checked.card, card);
    assert.equal(checked.cardVerified, false);
    assert.equal(checkKeyringForModel(keyring, model).cardVerified, true);
    // Its card must still name the on-chain sha256.
    assert.throws(
      () => checkKeyringForModel(keyring, { ...legacy, sha256: `0x${"ab".repeat(32)}` }),
      KeyringCardError,
    );
  });
});

describe("readModelKeyring", () => {
  it("falls back to the previous keyring when the current CID exists nowhere", async () => {
    const { ipfs, keyringCid, model } = await setUp();
    const nowhere = CID.createV1(
      raw.code,
      await sha256.digest(new TextEncoder().encode("nowhere")),
    );
    const updated = {
      ...model,
      keyring: cidToChain(nowhere),
      previousKeyring: cidToChain(keyringCid),
    };
    const rejected: string[] = [];
    const read = await readModelKeyring({
      model: updated,
      fetchBytes: ipfs.fetchBytes,
      account: alice.address,
      onRejected: (cid) => rejected.push(cid.toString()),
    });
    assert.equal(read.cid.toString(), keyringCid.toString());
    assert.equal(read.fallback, true);
    assert.equal(read.cardVerified, true);
    assert.deepEqual(rejected, [nowhere.toString()]);
  });

  it("falls back past a forged current keyring, and refuses when it is the only one", async () => {
    const { ipfs, keyring, keyringCid, model } = await setUp();
    const forgedCid = await ipfs.put(
      new TextEncoder().encode(serializeKeyring(withReversedLabels(keyring))),
    );
    const forged = {
      ...model,
      keyring: cidToChain(forgedCid),
      previousKeyring: cidToChain(keyringCid),
    };
    const read = await readModelKeyring({ model: forged, fetchBytes: ipfs.fetchBytes });
    assert.equal(read.cid.toString(), keyringCid.toString());
    assert.deepEqual(read.card?.labels, ["no", "yes"]);
    await assert.rejects(
      readModelKeyring({
        model: { ...forged, previousKeyring: { digest: ZERO, codec: 0 } },
        fetchBytes: ipfs.fetchBytes,
      }),
      KeyringCardError,
    );
  });

  it("names every keyring tried when none can be used, and a missing wrap as such", async () => {
    const { ipfs, keyringCid, model } = await setUp();
    const a = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode("a")));
    const b = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode("b")));
    await assert.rejects(
      readModelKeyring({
        model: { ...model, keyring: cidToChain(a), previousKeyring: cidToChain(b) },
        fetchBytes: ipfs.fetchBytes,
      }),
      (err: unknown) =>
        err instanceof KeyringUnavailableError &&
        err.message.includes(a.toString()) &&
        err.message.includes(b.toString()),
    );
    await assert.rejects(
      readModelKeyring({
        model: { ...model, keyring: cidToChain(keyringCid) },
        fetchBytes: ipfs.fetchBytes,
        account: bob.address,
      }),
      NoWrapForAccountError,
    );
  });

  it("does not blame a missing wrap when the current keyring could not be fetched", async () => {
    const { ipfs, keyringCid, model } = await setUp();
    const nowhere = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode("gone")));
    await assert.rejects(
      readModelKeyring({
        model: { ...model, keyring: cidToChain(nowhere), previousKeyring: cidToChain(keyringCid) },
        fetchBytes: ipfs.fetchBytes,
        account: bob.address,
      }),
      (err: unknown) =>
        err instanceof KeyringUnavailableError && err.message.includes(`${nowhere} not found`),
    );
  });

  it("passes over a keyring whose wrap does not open (unlock) for the previous one", async () => {
    const { ipfs, keyring, keyringCid, model, aliceKey, contentKey } = await setUp();
    const corrupted: Keyring = {
      ...keyring,
      wraps: keyring.wraps.map((w) => ({
        ...w,
        ciphertext: `${w.ciphertext.slice(0, -2)}${w.ciphertext.endsWith("00") ? "01" : "00"}`,
      })),
    };
    const corruptedCid = await ipfs.put(new TextEncoder().encode(serializeKeyring(corrupted)));
    const unlock = (k: Keyring) => unwrapKeyring(k, alice.address, aliceKey);
    const read = await readModelKeyring({
      model: {
        ...model,
        keyring: cidToChain(corruptedCid),
        previousKeyring: cidToChain(keyringCid),
      },
      fetchBytes: ipfs.fetchBytes,
      account: alice.address,
      unlock,
    });
    assert.equal(read.fallback, true);
    assert.deepEqual(read.unlocked, contentKey);
    await assert.rejects(
      readModelKeyring({
        model: { ...model, keyring: cidToChain(corruptedCid) },
        fetchBytes: ipfs.fetchBytes,
        unlock,
      }),
      { name: "DecryptionFailedError" },
    );
  });
});
