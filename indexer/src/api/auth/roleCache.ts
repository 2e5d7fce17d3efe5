import type { Address } from "viem";

/** The on-chain standing that lets an account read the audit API. */
export type Standing = { member: boolean; staff: boolean; auditor: boolean };

/** Whether a standing may read the audit API: a member institution, staff of one, or an auditor. */
export const hasAccess = (s: Standing) => s.member || s.staff || s.auditor;

/**
 * Caches each account's standing for `ttlMs`: the chain stays the authority, but a page of
 * requests costs one round of eth_calls, and a revoked role stops working within `ttlMs`.
 */
export class StandingCache {
  readonly #entries = new Map<Address, { standing: Promise<Standing>; until: number }>();

  readonly #read: (account: Address) => Promise<Standing>;
  readonly #ttlMs: number;

  constructor(read: (account: Address) => Promise<Standing>, ttlMs: number) {
    this.#read = read;
    this.#ttlMs = ttlMs;
  }

  get(account: Address, now = Date.now()): Promise<Standing> {
    const hit = this.#entries.get(account);
    if (hit && hit.until > now) return hit.standing;
    const standing = this.#read(account);
    this.#entries.set(account, { standing, until: now + this.#ttlMs });
    // A failed read (node down) must not be cached as an answer.
    standing.catch(() => this.#entries.delete(account));
    return standing;
  }
}
