import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type Address, getAddress, isAddress } from "viem";

/** What a session token says: its id, who signed in, on which chain, until when (unix seconds). */
export type Session = { id: string; address: Address; chainId: number; expiresAt: number };

export type SessionCheck =
  | { ok: true; session: Session }
  | { ok: false; reason: "malformed" | "bad signature" | "expired" | "signed out" };

/**
 * Session tokens: `base64url(json).base64url(hmac-sha256)`, with the expiry inside the signed
 * part. Signing out puts the token's id on a deny list until the token would have expired anyway,
 * so a copied token stops working at once. The list only grows by signed-in users signing out,
 * and forgets each entry at its expiry.
 */
export class SessionSigner {
  readonly #key: Buffer;
  /** Signed-out session id -> its expiry (ms). */
  readonly #revoked = new Map<string, number>();

  constructor(secretHex?: string) {
    this.#key = secretHex ? Buffer.from(secretHex.replace(/^0x/, ""), "hex") : randomBytes(32);
  }

  /**
   * A token for `address` valid `ttlSeconds` from `now`, or until `notAfter` (ms, e.g. the signed
   * message's Expiration Time) when that comes first.
   */
  issue(
    address: Address,
    chainId: number,
    ttlSeconds: number,
    now = Date.now(),
    notAfter?: number,
  ): { token: string; session: Session } {
    const until = Math.min(now + ttlSeconds * 1000, notAfter ?? Number.POSITIVE_INFINITY);
    const session: Session = {
      id: randomBytes(16).toString("base64url"),
      address: getAddress(address),
      chainId,
      expiresAt: Math.floor(until / 1000),
    };
    const body = Buffer.from(JSON.stringify(session)).toString("base64url");
    return { token: `${body}.${this.#mac(body)}`, session };
  }

  check(token: string, now = Date.now()): SessionCheck {
    const [body, mac, ...rest] = token.split(".");
    if (!body || !mac || rest.length > 0) return { ok: false, reason: "malformed" };
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: "bad signature" };
    }
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    if (
      typeof session?.id !== "string" ||
      typeof session.address !== "string" ||
      !isAddress(session.address) ||
      !Number.isInteger(session.chainId) ||
      !Number.isInteger(session.expiresAt)
    ) {
      return { ok: false, reason: "malformed" };
    }
    if (session.expiresAt * 1000 <= now) return { ok: false, reason: "expired" };
    if (this.#revoked.has(session.id)) return { ok: false, reason: "signed out" };
    return { ok: true, session };
  }

  /** Ends a session before its expiry (sign-out). */
  revoke(session: Session, now = Date.now()) {
    for (const [id, expiresAt] of this.#revoked) {
      if (expiresAt <= now) this.#revoked.delete(id);
    }
    this.#revoked.set(session.id, session.expiresAt * 1000);
  }

  #mac(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}
