import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NonceStore } from "../../src/api/auth/nonces.ts";
import { StandingCache } from "../../src/api/auth/roleCache.ts";
import { SessionSigner } from "../../src/api/auth/session.ts";

const alice = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("session tokens", () => {
  it("round-trips a session until it expires", () => {
    const signer = new SessionSigner();
    const now = Date.UTC(2026, 10, 26);
    const { token } = signer.issue(alice, 31337, 60, now);
    const ok = signer.check(token, now + 59_000);
    assert.ok(ok.ok);
    assert.equal(ok.session.address, alice);
    assert.deepEqual(signer.check(token, now + 60_000), { ok: false, reason: "expired" });
  });

  it("refuses tokens from another key, altered tokens and garbage", () => {
    const { token } = new SessionSigner().issue(alice, 31337, 60);
    const signer = new SessionSigner();
    assert.deepEqual(signer.check(token), { ok: false, reason: "bad signature" });
    const mine = signer.issue(alice, 31337, 60).token;
    const [body, mac] = mine.split(".") as [string, string];
    const forged = Buffer.from(
      Buffer.from(body, "base64url")
        .toString()
        .replace(/"expiresAt":\d+/, '"expiresAt":9999999999'),
    ).toString("base64url");
    assert.deepEqual(signer.check(`${forged}.${mac}`), { ok: false, reason: "bad signature" });
    assert.deepEqual(signer.check("garbage"), { ok: false, reason: "malformed" });
  });

  it("accepts tokens of another process that shares the secret", () => {
    const secret = "11".repeat(32);
    const { token } = new SessionSigner(secret).issue(alice, 31337, 60);
    assert.ok(new SessionSigner(secret).check(token).ok);
  });
});

describe("nonces", () => {
  it("are accepted once, and not after they expire", () => {
    const store = new NonceStore(1000);
    const { nonce } = store.issue(0);
    assert.equal(store.consume(nonce, 500), true);
    assert.equal(store.consume(nonce, 500), false);
    const late = store.issue(0).nonce;
    assert.equal(store.consume(late, 1000), false);
    assert.equal(store.consume("never-issued", 0), false);
  });

  it("keep memory bounded", () => {
    const store = new NonceStore(60_000, 2);
    const first = store.issue(0).nonce;
    store.issue(1);
    store.issue(2);
    assert.equal(store.consume(first, 3), false);
  });
});

describe("standing cache", () => {
  it("reads the chain once per account within the TTL, again after", async () => {
    let reads = 0;
    const cache = new StandingCache(async () => {
      reads++;
      return { member: false, staff: false, auditor: true };
    }, 1000);
    await cache.get(alice, 0);
    await cache.get(alice, 999);
    assert.equal(reads, 1);
    await cache.get(alice, 1000);
    assert.equal(reads, 2);
  });

  it("does not cache a failed read", async () => {
    let calls = 0;
    const cache = new StandingCache(async () => {
      calls++;
      if (calls === 1) throw new Error("node down");
      return { member: true, staff: false, auditor: false };
    }, 60_000);
    await assert.rejects(cache.get(alice, 0), /node down/);
    await new Promise((r) => setImmediate(r));
    assert.equal((await cache.get(alice, 1)).member, true);
  });
});
