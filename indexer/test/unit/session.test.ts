import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NonceIssuer } from "../../src/api/auth/nonces.ts";
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
    const nonces = new NonceIssuer(undefined, 1000);
    const { nonce } = nonces.issue(0);
    assert.equal(nonces.use(nonce, 500).ok, true);
    assert.deepEqual(nonces.use(nonce, 500), { ok: false, reason: "used" });
    const late = nonces.issue(0).nonce;
    assert.deepEqual(nonces.use(late, 1000), { ok: false, reason: "expired" });
    assert.deepEqual(nonces.use("neverissued", 0), { ok: false, reason: "malformed" });
  });

  it("come from a CSPRNG: no two share a substring of 8 characters, none follows from the last", () => {
    const nonces = new NonceIssuer();
    const issued = Array.from({ length: 200 }, () => nonces.issue().nonce);
    const randomParts = issued.map((n) => n.slice(0, 32));
    const seen = new Set<string>();
    for (const part of randomParts) {
      for (let i = 0; i + 8 <= part.length; i++) {
        const piece = part.slice(i, i + 8);
        assert.ok(!seen.has(piece), `"${piece}" appears in two nonces`);
      }
      for (let i = 0; i + 8 <= part.length; i++) seen.add(part.slice(i, i + 8));
    }
    for (const n of issued) assert.match(n, /^[0-9a-f]{76}$/, "EIP-4361 wants alphanumeric nonces");
  });

  it("refuse nonces this server did not issue, or altered ones", () => {
    const mine = new NonceIssuer();
    const other = new NonceIssuer();
    assert.deepEqual(mine.check(other.issue().nonce), { ok: false, reason: "forged" });
    const { nonce } = mine.issue();
    // A later expiry written into a real nonce breaks its MAC.
    const stretched = `${nonce.slice(0, 32)}ffffffffffff${nonce.slice(44)}`;
    assert.deepEqual(mine.check(stretched), { ok: false, reason: "forged" });
  });

  it("cannot be exhausted: a flood of issued nonces does not push out anyone's", () => {
    const nonces = new NonceIssuer(undefined, 60_000);
    const user = nonces.issue(0).nonce;
    for (let i = 0; i < 50_000; i++) nonces.issue(1);
    assert.equal(nonces.usedCount, 0, "issuing keeps no state");
    assert.equal(nonces.use(user, 2).ok, true);
  });

  it("forget used nonces once they expire", () => {
    const nonces = new NonceIssuer(undefined, 1000);
    for (let i = 0; i < 100; i++) nonces.use(nonces.issue(0).nonce, 1);
    assert.equal(nonces.usedCount, 100);
    nonces.use(nonces.issue(5000).nonce, 5000);
    assert.equal(nonces.usedCount, 1);
  });
});

describe("sign-out", () => {
  it("ends a session at once, and only that one", () => {
    const signer = new SessionSigner();
    const a = signer.issue(alice, 31337, 3600);
    const b = signer.issue(alice, 31337, 3600);
    signer.revoke(a.session);
    assert.deepEqual(signer.check(a.token), { ok: false, reason: "signed out" });
    assert.ok(signer.check(b.token).ok);
  });

  it("never outlives the signed message's Expiration Time", () => {
    const signer = new SessionSigner();
    const now = Date.UTC(2026, 10, 26);
    const { session } = signer.issue(alice, 31337, 3600, now, now + 60_000);
    assert.equal(session.expiresAt, Math.floor((now + 60_000) / 1000));
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
