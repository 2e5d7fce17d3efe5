import {
  buildKeyring,
  deriveAccountKey,
  encryptBytes,
  generateContentKey,
  publicKeyHex,
  serializeKeyring,
  sha256Hex,
} from "@neuroledger/sdk/crypto";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ModelVerificationError, openModel, unlockContentKey } from "./open-model.ts";

const stream = (bytes: Uint8Array, chunk = 1000) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
      controller.close();
    },
  });

describe("openModel", () => {
  const plaintext = new Uint8Array(200_000).map((_, i) => (i * 31) % 251);

  it("decrypts a streamed container and returns it when the sha256 matches the chain", async () => {
    const key = generateContentKey();
    const container = await encryptBytes(key, plaintext);
    const progress: number[] = [];
    const bytes = await openModel({
      ciphertext: stream(container),
      contentKey: key,
      expectedSha256: sha256Hex(plaintext),
      onProgress: (p) => progress.push(p.outputBytes),
    });
    expect(bytes).toEqual(plaintext);
    expect(progress.length).toBeGreaterThan(0);
  });

  it("refuses a model whose hash differs from the chain's", async () => {
    const key = generateContentKey();
    const container = await encryptBytes(key, plaintext);
    const other = sha256Hex(new Uint8Array([1, 2, 3]));
    await expect(
      openModel({ ciphertext: stream(container), contentKey: key, expectedSha256: other }),
    ).rejects.toThrow(ModelVerificationError);
  });

  it("fails on a tampered container (authenticated chunks)", async () => {
    const key = generateContentKey();
    const container = await encryptBytes(key, plaintext);
    const at = container.length - 100;
    container[at] = (container[at] as number) ^ 1;
    await expect(
      openModel({
        ciphertext: stream(container),
        contentKey: key,
        expectedSha256: sha256Hex(plaintext),
      }),
    ).rejects.toThrow();
  });
});

describe("unlockContentKey", () => {
  it("unwraps the content key for an account in the keyring, and only for it", async () => {
    const domain = { chainId: 31337, registry: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707" };
    const alice = privateKeyToAccount(
      "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    );
    const bob = privateKeyToAccount(
      "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    );
    const aliceKey = await deriveAccountKey(alice, domain);
    const key = generateContentKey();
    const keyring = new TextEncoder().encode(
      serializeKeyring(
        await buildKeyring(key, [{ account: alice.address, publicKey: publicKeyHex(aliceKey) }]),
      ),
    );
    expect(await unlockContentKey(keyring, alice.address, aliceKey)).toEqual(key);
    await expect(
      unlockContentKey(keyring, bob.address, await deriveAccountKey(bob, domain)),
    ).rejects.toThrow(/no wrap|not in|keyring/i);
  });
});
