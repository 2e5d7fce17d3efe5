import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { privateKeyToAccount } from "viem/accounts";
import { parseModelCard } from "../card/parseModelCard.ts";
import { exampleCard } from "../card/testing/exampleCard.ts";
import {
  DecryptionFailedError,
  InvalidKeyError,
  InvalidKeyringError,
  KeyringCardError,
  NoWrapForAccountError,
} from "../errors.ts";
import {
  accountKeyFromSignature,
  accountKeyMessage,
  deriveAccountKey,
  publicKeyHex,
} from "./accountKey.ts";
import { toHex } from "./bytes.ts";
import { generateContentKey } from "./container.ts";
import {
  buildKeyring,
  cardFromKeyring,
  parseKeyring,
  rewrapKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "./keyring.ts";
import { unwrapContentKey, wrapContentKey } from "./wrap.ts";

// Hardhat/anvil dev keys: public test keys, never used for anything real.
const alice = privateKeyToAccount(
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
);
const bob = privateKeyToAccount(
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
);
const carol = privateKeyToAccount(
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
);
const domain = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

describe("account keys", () => {
  it("derives the same key from the same wallet and domain, another for another domain", async () => {
    const a1 = await deriveAccountKey(alice, domain);
    const a2 = await deriveAccountKey(alice, domain);
    assert.deepEqual(a1.publicKey, a2.publicKey);
    assert.deepEqual(a1.publicKey, x25519.getPublicKey(a1.secretKey));
    const otherChain = await deriveAccountKey(alice, { ...domain, chainId: 1337 });
    const otherRegistry = await deriveAccountKey(alice, {
      ...domain,
      registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    });
    assert.notDeepEqual(otherChain.publicKey, a1.publicKey);
    assert.notDeepEqual(otherRegistry.publicKey, a1.publicKey);
    assert.notDeepEqual((await deriveAccountKey(bob, domain)).publicKey, a1.publicKey);
    assert.match(publicKeyHex(a1), /^0x[0-9a-f]{64}$/);
  });

  it("names chain id and registry in the message and ignores the v encoding", async () => {
    const message = accountKeyMessage(domain);
    assert.match(message, /Chain ID: 31337/);
    assert.match(message, /Registry: 0x5fbdb2315678afecb367f032d93f642f64180aa3/);
    const signature = await alice.signMessage({ message });
    const v = Number.parseInt(signature.slice(-2), 16);
    const zeroBased: `0x${string}` = `0x${signature.slice(2, -2)}${(v - 27).toString(16).padStart(2, "0")}`;
    assert.deepEqual(
      (await accountKeyFromSignature(zeroBased, domain)).publicKey,
      (await accountKeyFromSignature(signature, domain)).publicKey,
    );
  });

  it("refuses a bad signature, chain id or registry", async () => {
    await assert.rejects(accountKeyFromSignature("0x1234", domain), InvalidKeyError);
    assert.throws(
      () => accountKeyMessage({ chainId: 0, registry: domain.registry }),
      InvalidKeyError,
    );
    assert.throws(
      () => accountKeyMessage({ chainId: 1, registry: "0x1234" }),
      /Invalid registry address/,
    );
  });
});

describe("key wraps", () => {
  it("wraps and unwraps; another key or a flipped bit fails", async () => {
    const recipient = x25519.keygen();
    const contentKey = generateContentKey();
    const wrap = await wrapContentKey({ contentKey, recipientPublicKey: recipient.publicKey });
    assert.deepEqual(await unwrapContentKey(wrap, recipient.secretKey), contentKey);
    await assert.rejects(unwrapContentKey(wrap, x25519.keygen().secretKey), DecryptionFailedError);
    const flipped = { ...wrap, ciphertext: wrap.ciphertext.slice() };
    flipped.ciphertext[3] = (flipped.ciphertext[3] as number) ^ 1;
    await assert.rejects(unwrapContentKey(flipped, recipient.secretKey), DecryptionFailedError);
    await assert.rejects(
      wrapContentKey({ contentKey, recipientPublicKey: new Uint8Array(32) }),
      InvalidKeyError,
    );
  });
});

describe("keyrings", async () => {
  const keys = {
    alice: await deriveAccountKey(alice, domain),
    bob: await deriveAccountKey(bob, domain),
    carol: await deriveAccountKey(carol, domain),
  };
  const recipient = (account: typeof alice, key: typeof keys.alice) => ({
    account: account.address,
    publicKey: publicKeyHex(key),
  });

  it("lets every listed account unwrap and no one else", async () => {
    const contentKey = generateContentKey();
    const keyring = parseKeyring(
      serializeKeyring(
        await buildKeyring(contentKey, [recipient(alice, keys.alice), recipient(bob, keys.bob)]),
      ),
    );
    assert.deepEqual(await unwrapKeyring(keyring, alice.address, keys.alice), contentKey);
    assert.deepEqual(await unwrapKeyring(keyring, bob.address.toLowerCase(), keys.bob), contentKey);
    await assert.rejects(
      unwrapKeyring(keyring, carol.address, keys.carol),
      (e: unknown) => e instanceof NoWrapForAccountError && e.account === carol.address,
    );
    // Carol using Alice's entry with her own key: the public key check names the problem.
    await assert.rejects(unwrapKeyring(keyring, alice.address, keys.carol), NoWrapForAccountError);
  });

  it("re-wraps for a new account without touching existing wraps, and drops removed ones", async () => {
    const contentKey = generateContentKey();
    const first = await buildKeyring(contentKey, [
      recipient(alice, keys.alice),
      recipient(bob, keys.bob),
    ]);
    const key = await unwrapKeyring(first, alice.address, keys.alice);
    const second = await rewrapKeyring(first, key, [
      recipient(alice, keys.alice),
      recipient(carol, keys.carol),
    ]);
    assert.deepEqual(await unwrapKeyring(second, carol.address, keys.carol), contentKey);
    assert.deepEqual(
      second.wraps.find((w) => w.account === alice.address.toLowerCase()),
      first.wraps.find((w) => w.account === alice.address.toLowerCase()),
    );
    await assert.rejects(unwrapKeyring(second, bob.address, keys.bob), NoWrapForAccountError);
    assert.equal(second.keyCommitment, first.keyCommitment);
    await assert.rejects(rewrapKeyring(first, generateContentKey(), []), DecryptionFailedError);
  });

  it("detects a swapped wrap through the key commitment, and tampered wraps", async () => {
    const a = await buildKeyring(generateContentKey(), [recipient(alice, keys.alice)]);
    const b = await buildKeyring(generateContentKey(), [recipient(alice, keys.alice)]);
    const swapped = { ...a, wraps: b.wraps };
    await assert.rejects(unwrapKeyring(swapped, alice.address, keys.alice), /key commitment/);
    const wrap = a.wraps[0];
    assert.ok(wrap);
    const tampered = { ...a, wraps: [{ ...wrap, ciphertext: toHex(new Uint8Array(48)) }] };
    await assert.rejects(unwrapKeyring(tampered, alice.address, keys.alice), DecryptionFailedError);
  });

  it("refuses malformed keyrings and bad recipients with clear errors", async () => {
    assert.throws(() => parseKeyring("{"), InvalidKeyringError);
    assert.throws(() => parseKeyring({ schema: "neuroledger.keyring/2" }), InvalidKeyringError);
    const keyring = await buildKeyring(generateContentKey(), [recipient(alice, keys.alice)]);
    const wrap = keyring.wraps[0];
    assert.ok(wrap);
    assert.throws(() => parseKeyring({ ...keyring, wraps: [wrap, wrap] }), /duplicate account/);
    assert.throws(() => parseKeyring({ ...keyring, extra: 1 }), InvalidKeyringError);
    await assert.rejects(
      buildKeyring(generateContentKey(), [{ account: alice.address, publicKey: "0x" }]),
      /no valid X25519 public key/,
    );
    await assert.rejects(
      buildKeyring(generateContentKey(), [
        recipient(alice, keys.alice),
        recipient(alice, keys.alice),
      ]),
      /listed twice/,
    );
  });

  it("carries the model card: kept byte-for-byte through a re-wrap, checked against the sha256", async () => {
    const card = parseModelCard(exampleCard());
    const contentKey = generateContentKey();
    const first = parseKeyring(
      serializeKeyring(await buildKeyring(contentKey, [recipient(alice, keys.alice)], card)),
    );
    assert.deepEqual(first.card, card);
    const second = parseKeyring(
      serializeKeyring(
        await rewrapKeyring(first, contentKey, [
          recipient(alice, keys.alice),
          recipient(bob, keys.bob),
        ]),
      ),
    );
    assert.equal(second.wraps.length, 2);
    assert.equal(JSON.stringify(second.card), JSON.stringify(first.card));
    const cardText = (keyring: string) => JSON.stringify(JSON.parse(keyring).card);
    assert.equal(cardText(serializeKeyring(second)), cardText(serializeKeyring(first)));

    assert.deepEqual(cardFromKeyring(second, `0x${card.onnx.sha256}`), card);
    assert.deepEqual(cardFromKeyring(second, card.onnx.sha256.toUpperCase()), card);
    assert.throws(
      () => cardFromKeyring(second, `0x${"ab".repeat(32)}`),
      (e: unknown) => e instanceof KeyringCardError && /not the on-chain ab/.test(e.message),
    );
    const plain = await buildKeyring(contentKey, [recipient(alice, keys.alice)]);
    assert.equal("card" in plain, false);
    assert.throws(() => cardFromKeyring(plain, card.onnx.sha256), /carries no model card/);
    // A keyring without a card (every keyring written before cards moved here) still parses.
    assert.equal(parseKeyring(serializeKeyring(plain)).card, undefined);
    // A card that is present must be a valid card.
    assert.throws(
      () => parseKeyring({ ...plain, card: { ...card, labels: "no" } }),
      InvalidKeyringError,
    );
  });
});
