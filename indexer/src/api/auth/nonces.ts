import { generateSiweNonce } from "viem/siwe";

/**
 * Nonces handed out for SIWE messages: each valid for `ttlMs` and accepted once, so a captured
 * signed message cannot be replayed. In memory: a restart only forces users to sign again.
 */
export class NonceStore {
  readonly #expiry = new Map<string, number>();

  readonly ttlMs: number;
  readonly maxOutstanding: number;

  constructor(ttlMs = 5 * 60_000, maxOutstanding = 10_000) {
    this.ttlMs = ttlMs;
    this.maxOutstanding = maxOutstanding;
  }

  issue(now = Date.now()): { nonce: string; expiresAt: number } {
    this.#prune(now);
    if (this.#expiry.size >= this.maxOutstanding) {
      // Oldest first (Map keeps insertion order): a flood of requests cannot grow memory.
      const oldest = this.#expiry.keys().next().value;
      if (oldest !== undefined) this.#expiry.delete(oldest);
    }
    const nonce = generateSiweNonce();
    const expiresAt = now + this.ttlMs;
    this.#expiry.set(nonce, expiresAt);
    return { nonce, expiresAt };
  }

  /** True once per issued, unexpired nonce; the nonce is spent either way. */
  consume(nonce: string, now = Date.now()): boolean {
    const expiresAt = this.#expiry.get(nonce);
    this.#expiry.delete(nonce);
    return expiresAt !== undefined && expiresAt > now;
  }

  #prune(now: number) {
    for (const [nonce, expiresAt] of this.#expiry) {
      if (expiresAt <= now) this.#expiry.delete(nonce);
    }
  }
}
