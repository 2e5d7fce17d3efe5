import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type NonceCheck =
  | { ok: true; issuedAt: number; expiresAt: number }
  | { ok: false; reason: "malformed" | "forged" | "expired" | "used" };

const RANDOM_BYTES = 16;
const MAC_BYTES = 16;
// 32 hex random + 12 hex expiry (ms) + 32 hex MAC: alphanumeric, as EIP-4361's ABNF wants.
const NONCE = /^([0-9a-f]{32})([0-9a-f]{12})([0-9a-f]{32})$/;

/**
 * SIWE nonces that cost the server nothing to hand out: 128 random bits (CSPRNG) plus their expiry,
 * HMAC'd with a server key. Issuing keeps no state, so no flood of `GET /auth/nonce` can push
 * anyone else's nonce out; the only state is the set of nonces already used, kept until they
 * expire, which grows only with signed-in attempts that carried a valid nonce.
 */
export class NonceIssuer {
  readonly #key: Buffer;
  /** Used nonce -> its expiry; roughly in expiry order (one TTL for all), pruned from the front. */
  readonly #used = new Map<string, number>();

  readonly ttlMs: number;

  constructor(key: Buffer = randomBytes(32), ttlMs = 5 * 60_000) {
    this.#key = key;
    this.ttlMs = ttlMs;
  }

  issue(now = Date.now()): { nonce: string; expiresAt: number } {
    const expiresAt = now + this.ttlMs;
    const body =
      randomBytes(RANDOM_BYTES).toString("hex") + expiresAt.toString(16).padStart(12, "0");
    return { nonce: body + this.#mac(body), expiresAt };
  }

  /** Whether `nonce` was issued here, is unexpired and unused; does not use it up. */
  check(nonce: string, now = Date.now()): NonceCheck {
    const parts = NONCE.exec(nonce);
    if (!parts) return { ok: false, reason: "malformed" };
    const body = parts[1]! + parts[2]!;
    const expected = Buffer.from(this.#mac(body), "hex");
    if (!timingSafeEqual(expected, Buffer.from(parts[3]!, "hex"))) {
      return { ok: false, reason: "forged" };
    }
    const expiresAt = Number.parseInt(parts[2]!, 16);
    if (expiresAt <= now) return { ok: false, reason: "expired" };
    if (this.#used.has(nonce)) return { ok: false, reason: "used" };
    return { ok: true, issuedAt: expiresAt - this.ttlMs, expiresAt };
  }

  /** Checks and uses up `nonce` in one step (no await between): true once per valid nonce. */
  use(nonce: string, now = Date.now()): NonceCheck {
    const checked = this.check(nonce, now);
    if (!checked.ok) return checked;
    this.#prune(now);
    this.#used.set(nonce, checked.expiresAt);
    return checked;
  }

  /** Used nonces still remembered (they are forgotten when they expire). */
  get usedCount(): number {
    return this.#used.size;
  }

  #prune(now: number) {
    for (const [nonce, expiresAt] of this.#used) {
      if (expiresAt > now) break;
      this.#used.delete(nonce);
    }
  }

  #mac(body: string): string {
    return createHmac("sha256", this.#key)
      .update(`neuroledger-siwe-nonce:${body}`)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("hex");
  }
}
