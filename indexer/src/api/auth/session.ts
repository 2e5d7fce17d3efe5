import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type Address, getAddress, isAddress } from "viem";

/** What a session token says: who signed in, on which chain, until when (unix seconds). */
export type Session = { address: Address; chainId: number; expiresAt: number };

export type SessionCheck =
  | { ok: true; session: Session }
  | { ok: false; reason: "malformed" | "bad signature" | "expired" };

/**
 * Stateless session tokens: `base64url(json).base64url(hmac-sha256)`. Stateless so that any API
 * worker (and a restarted one sharing the secret) accepts them; expiry is inside the signed part.
 */
export class SessionSigner {
  readonly #key: Buffer;

  constructor(secretHex?: string) {
    this.#key = secretHex ? Buffer.from(secretHex.replace(/^0x/, ""), "hex") : randomBytes(32);
  }

  issue(
    address: Address,
    chainId: number,
    ttlSeconds: number,
    now = Date.now(),
  ): {
    token: string;
    session: Session;
  } {
    const session: Session = {
      address: getAddress(address),
      chainId,
      expiresAt: Math.floor(now / 1000) + ttlSeconds,
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
      typeof session?.address !== "string" ||
      !isAddress(session.address) ||
      !Number.isInteger(session.chainId) ||
      !Number.isInteger(session.expiresAt)
    ) {
      return { ok: false, reason: "malformed" };
    }
    if (session.expiresAt * 1000 <= now) return { ok: false, reason: "expired" };
    return { ok: true, session };
  }

  #mac(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}
