import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Address, Hex, PublicClient } from "viem";
import { parseSiweMessage, verifySiweMessage } from "viem/siwe";
import { z } from "zod";
import type { NonceStore } from "./nonces.ts";
import { hasAccess, type Standing, type StandingCache } from "./roleCache.ts";
import type { Session, SessionSigner } from "./session.ts";

export const SESSION_COOKIE = "nl_session";

export type AuthOptions = {
  mode: "open" | "siwe";
  chainId: number;
  /** The SIWE domain accepted; undefined = the request's Host header. */
  domain: string | undefined;
  sessionTtlSeconds: number;
  nonces: NonceStore;
  signer: SessionSigner;
  standing: StandingCache;
  client: PublicClient;
};

type AuthEnv = { Variables: { session?: Session; standing?: Standing } };

const verifyBody = z.strictObject({
  message: z.string().min(1, "the EIP-4361 message you signed"),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "expected a 0x-prefixed hex signature"),
});

function refuse(c: Context, status: 401 | 403, error: string, hint: string) {
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="neuroledger-audit"');
  return c.json({ error, hint }, status);
}

/**
 * Sign-In with Ethereum (EIP-4361): `GET /auth/nonce`, `POST /auth/verify` (message + signature ->
 * session token, also set as an HttpOnly cookie), `GET /auth/session`, `POST /auth/logout`.
 */
export function authRoutes(o: AuthOptions) {
  const app = new Hono<AuthEnv>();

  app.get("/nonce", (c) => {
    const { nonce, expiresAt } = o.nonces.issue();
    return c.json({
      nonce,
      expiresAt: new Date(expiresAt).toISOString(),
      chainId: o.chainId,
      domain: o.domain ?? hostOf(c),
      mode: o.mode,
    });
  });

  app.post("/verify", async (c) => {
    const body = verifyBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      return c.json(
        {
          error: "expected a JSON body { message, signature }",
          issues: body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`),
        },
        400,
      );
    }
    const { message, signature } = body.data;
    const fields = parseSiweMessage(message);
    if (!fields.address || !fields.nonce || !fields.domain || fields.chainId === undefined) {
      return refuse(
        c,
        401,
        "not a Sign-In with Ethereum message",
        "sign an EIP-4361 message with a nonce from GET /auth/nonce",
      );
    }
    const domain = o.domain ?? hostOf(c);
    if (fields.domain !== domain) {
      return refuse(
        c,
        401,
        `message is for domain "${fields.domain}", this API is "${domain}"`,
        "sign a message for this API's domain",
      );
    }
    if (fields.chainId !== o.chainId) {
      return refuse(
        c,
        401,
        `message is for chain ${fields.chainId}, this API indexes chain ${o.chainId}`,
        "sign with the consortium chain selected",
      );
    }
    if (!o.nonces.consume(fields.nonce)) {
      return refuse(
        c,
        401,
        "unknown, used or expired nonce",
        "get a fresh nonce from GET /auth/nonce and sign again",
      );
    }
    const valid = await verifySiweMessage(o.client, {
      message,
      signature: signature as Hex,
      domain,
      nonce: fields.nonce,
    }).catch(() => false);
    if (!valid) {
      return refuse(
        c,
        401,
        "signature does not match the message, or the message is expired or not yet valid",
        "sign the exact message text with the account it names",
      );
    }
    const standing = await o.standing.get(fields.address);
    if (!hasAccess(standing)) {
      return refuse(
        c,
        403,
        `account ${fields.address} is not a member, staff or auditor of the consortium`,
        "ask the consortium to grant the AUDITOR role or add you as staff",
      );
    }
    const { token, session } = o.signer.issue(fields.address, o.chainId, o.sessionTtlSeconds);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: o.sessionTtlSeconds,
    });
    return c.json({
      token,
      address: session.address,
      expiresAt: new Date(session.expiresAt * 1000).toISOString(),
      standing,
    });
  });

  app.get("/session", requireAccess(o), (c) => {
    const session = c.get("session");
    return c.json({
      mode: o.mode,
      address: session?.address ?? null,
      expiresAt: session ? new Date(session.expiresAt * 1000).toISOString() : null,
      standing: c.get("standing") ?? null,
    });
  });

  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ ok: true });
  });

  return app;
}

function hostOf(c: Context): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}

/**
 * Lets a request through in open mode; otherwise only with a valid, unexpired session token
 * (`Authorization: Bearer` or the session cookie) of an account that holds a role right now.
 */
export function requireAccess(o: AuthOptions): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (o.mode === "open") return next();
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? getCookie(c, SESSION_COOKIE);
    if (!token) {
      return refuse(
        c,
        401,
        "sign-in required",
        "sign in with Ethereum: GET /auth/nonce, then POST /auth/verify; send the token as `Authorization: Bearer <token>`",
      );
    }
    const checked = o.signer.check(token);
    if (!checked.ok) {
      const error =
        checked.reason === "expired"
          ? "session expired"
          : `invalid session token (${checked.reason})`;
      return refuse(c, 401, error, "sign in again: GET /auth/nonce, then POST /auth/verify");
    }
    if (checked.session.chainId !== o.chainId) {
      return refuse(
        c,
        401,
        `session is for chain ${checked.session.chainId}`,
        "sign in again on this chain",
      );
    }
    const standing = await o.standing.get(checked.session.address as Address);
    if (!hasAccess(standing)) {
      return refuse(
        c,
        403,
        `account ${checked.session.address} no longer holds a member, staff or auditor role`,
        "ask the consortium for the AUDITOR role",
      );
    }
    c.set("session", checked.session);
    c.set("standing", standing);
    return next();
  };
}
