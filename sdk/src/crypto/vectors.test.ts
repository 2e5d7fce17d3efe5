import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { verifyMessage } from "viem";
import { DecryptionFailedError } from "../errors.ts";
import { accountKeyFromSignature } from "./accountKey.ts";
import { fromHex, toHex } from "./bytes.ts";
import { decryptBytes } from "./container.ts";
import { vectorFiles } from "./testing/vectors.ts";
import { unwrapContentKey } from "./wrap.ts";

async function committed(name: keyof typeof vectorFiles) {
  return JSON.parse(await readFile(new URL(`../../test-vectors/${name}`, import.meta.url), "utf8"));
}

describe("published test vectors", () => {
  for (const name of Object.keys(vectorFiles) as (keyof typeof vectorFiles)[]) {
    it(`${name} matches a fresh computation`, async () => {
      assert.deepEqual(await vectorFiles[name](), await committed(name));
    });
  }

  it("container vectors decrypt back to their plaintexts, and fail when one byte changes", async () => {
    const v = await committed("container-v1.json");
    assert.equal(v.items.length, 4);
    for (const item of v.items) {
      const container = fromHex(item.container);
      assert.equal(toHex(await decryptBytes(fromHex(v.contentKey), container)), item.plaintext);
      container[container.length - 1] = (container[container.length - 1] as number) ^ 0x80;
      await assert.rejects(decryptBytes(fromHex(v.contentKey), container), DecryptionFailedError);
    }
  });

  it("wrap and account-key vectors open with the published secrets", async () => {
    const w = await committed("wrap-v1.json");
    assert.equal(toHex(x25519.getPublicKey(fromHex(w.recipientSecretKey))), w.recipientPublicKey);
    const key = await unwrapContentKey(
      { ephemeralPublicKey: fromHex(w.ephemeralPublicKey), ciphertext: fromHex(w.ciphertext) },
      fromHex(w.recipientSecretKey),
    );
    assert.equal(toHex(key), w.contentKey);
    const a = await committed("account-key-v1.json");
    const derived = await accountKeyFromSignature(a.signature, {
      chainId: a.chainId,
      registry: a.registry,
    });
    assert.equal(toHex(derived.publicKey), a.publicKey);
  });
});

// An independent reading of the spec in sdk/README.md, written against node:crypto rather than
// WebCrypto, so the vectors are checked against the documented format and not only against the SDK.
describe("test vectors against a from-spec implementation (node:crypto)", async () => {
  const nodeCrypto = await import("node:crypto");
  it("opens every container vector chunk by chunk", async () => {
    const v = await committed("container-v1.json");
    for (const item of v.items) {
      const data = Buffer.from(item.container.slice(2), "hex");
      const header = data.subarray(0, 32);
      assert.equal(header.subarray(0, 4).toString("latin1"), "NLEC");
      const chunkSize = header.readUInt32BE(8);
      const okm = Buffer.from(
        nodeCrypto.hkdfSync(
          "sha256",
          Buffer.from(v.contentKey.slice(2), "hex"),
          header.subarray(16, 32),
          "neuroledger/container/v1",
          44,
        ),
      );
      const segments: Buffer[] = [];
      for (let offset = 32; offset < data.length; offset += chunkSize + 16)
        segments.push(data.subarray(offset, offset + chunkSize + 16));
      const plain = segments.map((segment, index) => {
        const nonce = Buffer.from(okm.subarray(32, 44));
        nonce.writeBigUInt64BE(nonce.readBigUInt64BE(4) ^ BigInt(index), 4);
        const counter = Buffer.alloc(8);
        counter.writeBigUInt64BE(BigInt(index));
        const aad = Buffer.concat([
          header,
          counter,
          Buffer.from([index === segments.length - 1 ? 1 : 0]),
        ]);
        const decipher = nodeCrypto.createDecipheriv("aes-256-gcm", okm.subarray(0, 32), nonce);
        decipher.setAAD(aad);
        decipher.setAuthTag(segment.subarray(segment.length - 16));
        return Buffer.concat([
          decipher.update(segment.subarray(0, segment.length - 16)),
          decipher.final(),
        ]);
      });
      assert.equal(`0x${Buffer.concat(plain).toString("hex")}`, item.plaintext);
    }
  });

  it("opens the wrap vector", async () => {
    const w = await committed("wrap-v1.json");
    const hex = (h: string) => Buffer.from(h.slice(2), "hex");
    const shared = x25519.getSharedSecret(hex(w.recipientSecretKey), hex(w.ephemeralPublicKey));
    const info = Buffer.concat([
      Buffer.from("neuroledger/wrap/v1"),
      hex(w.ephemeralPublicKey),
      hex(w.recipientPublicKey),
    ]);
    const okm = Buffer.from(nodeCrypto.hkdfSync("sha256", shared, Buffer.alloc(0), info, 44));
    const decipher = nodeCrypto.createDecipheriv(
      "aes-256-gcm",
      okm.subarray(0, 32),
      okm.subarray(32),
    );
    decipher.setAAD(Buffer.from("neuroledger/wrap/v1"));
    const ciphertext = hex(w.ciphertext);
    decipher.setAuthTag(ciphertext.subarray(32));
    const key = Buffer.concat([decipher.update(ciphertext.subarray(0, 32)), decipher.final()]);
    assert.equal(`0x${key.toString("hex")}`, w.contentKey);
    const commitment = nodeCrypto
      .createHash("sha256")
      .update("neuroledger/key-commitment/v1")
      .update(key)
      .digest("hex");
    assert.equal(`0x${commitment}`, w.keyCommitment);
  });

  it("derives the account-key vector from its signature", async () => {
    const a = await committed("account-key-v1.json");
    const signature = Buffer.from(a.signature.slice(2), "hex");
    if ((signature[64] as number) < 27) signature[64] = (signature[64] as number) + 27;
    const secret = Buffer.from(
      nodeCrypto.hkdfSync("sha256", signature, "neuroledger/account-key/v1", a.message, 32),
    );
    assert.equal(`0x${secret.toString("hex")}`, a.secretKey);
    assert.equal(toHex(x25519.getPublicKey(secret)), a.publicKey);
    assert.ok(
      await verifyMessage({ address: a.address, message: a.message, signature: a.signature }),
    );
    assert.match(
      a.message,
      new RegExp(`Chain ID: ${a.chainId}\nRegistry: ${a.registry.toLowerCase()}`),
    );
  });
});
