import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Address, Hex, PublicClient } from "viem";
import { z } from "zod";
import type { NonceIssuer } from "./nonces.ts";
import { hasAccess, type Standing, type StandingCache } from "./roleCache.ts";
import type { Session, SessionSigner } from "./session.ts";
import { checkSiweMessage, MAX_MESSAGE_LENGTH } from "./siweMessage.ts";

export const SESSION_COOKIE = "nl_session";

export type AuthOptions = {
  mode: "open" | "siwe";
  chainId: number;
  /** The SIWE domain accepted (host[:port]); undefined only in open mode, where sign-in is off. */
  domain: string | undefined;
  /** Origin the message URI must be on; undefined: http(s)://<domain>. */
  uri: string | undefined;
  sessionTtlSeconds: number;
  nonces: NonceIssuer;
  signer: SessionSigner;
  standing: StandingCache;
  client: PublicClient;
};

type AuthEnv = { Variables: { session?: Session; standing?: Standing } };

const verifyBody = z.strictObject({
  message: z
    .string()
    .min(1, "the EIP-4361 message you signed")
    .max(MAX_MESSAGE_LENGTH, `at most ${MAX_MESSAGE_LENGTH} characters`),
  // 65-byte ECDSA signatures, or longer ERC-1271 / ERC-6492 ones of contract accounts.
  signature: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2}){65,2048}$/, "expected a 0x-prefixed hex signature of 65+ bytes"),
});

function refuse(c: Context, status: 400 | 401 | 403 | 503, error: string, hint: string) {
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="neuroledger-audit"');
  return c.json({ error, hint }, status);
}

const nonceRefusals = {
  malformed: "nonce was not issued by this API",
  forged: "nonce was not issued by this API",
  expired: "nonce expired",
  used: "nonce already used",
} as const;

function signInOff(c: Context) {
  return refuse(
    c,
    503,
    "sign-in is not configured on this indexer (open mode without NEUROLEDGER_SIWE_DOMAIN)",
    "the API is open here; set NEUROLEDGER_SIWE_DOMAIN to enable sign-in",
  );
}

type Refusal = { ok: false; status: 400 | 401 | 403; error: string; hint: string };
type SignIn = {
  ok: true;
  address: Address;
  expirationTime: number | undefined;
  standing: Standing;
};

const freshNonceHint = "get a fresh nonce from GET /auth/nonce and sign again";

/**
 * The checks of `POST /auth/verify`, in order: the message (domain, URI, chain, times), its nonce,
 * the signature, the nonce's one use, the account's standing. The first that fails is the answer.
 */
async function checkSignIn(
  o: AuthOptions,
  domain: string,
  message: string,
  signature: string,
): Promise<SignIn | Refusal> {
  const checked = checkSiweMessage(message, { domain, uri: o.uri, chainId: o.chainId });
  if (!checked.ok) return { ...checked, ok: false };
  const { address, nonce, expirationTime } = checked.fields;
  const nonceState = o.nonces.check(nonce);
  if (!nonceState.ok) {
    return {
      ok: false,
      status: 401,
      error: nonceRefusals[nonceState.reason],
      hint: freshNonceHint,
    };
  }
  const valid = await o.client
    .verifyMessage({ address, message, signature: signature as Hex })
    .catch(() => false);
  if (!valid) {
    return {
      ok: false,
      status: 401,
      error: "signature does not match the message and the account it names",
      hint: "sign the exact message text with the account it names",
    };
  }
  // Used only now, in one synchronous step: two racing posts of one message get one session.
  const used = o.nonces.use(nonce);
  if (!used.ok) {
    return { ok: false, status: 401, error: nonceRefusals[used.reason], hint: freshNonceHint };
  }
  const standing = await o.standing.get(address);
  if (!hasAccess(standing)) {
    return {
      ok: false,
      status: 403,
      error: `account ${address} is not a member, staff or auditor of the consortium`,
      hint: "ask the consortium to grant the AUDITOR role or add you as staff",
    };
  }
  return { ok: true, address, expirationTime, standing };
}

/** Issues the session of a checked sign-in: its token in the body and as an HttpOnly cookie. */
function startSession(c: Context, o: AuthOptions, signIn: SignIn) {
  const { token, session } = o.signer.issue(
    signIn.address,
    o.chainId,
    o.sessionTtlSeconds,
    Date.now(),
    signIn.expirationTime,
  );
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    expires: new Date(session.expiresAt * 1000),
  });
  return c.json({
    token,
    address: session.address,
    expiresAt: new Date(session.expiresAt * 1000).toISOString(),
    standing: signIn.standing,
  });
}

/**
 * Sign-In with Ethereum (EIP-4361): `GET /auth/nonce`, `POST /auth/verify` (message + signature ->
 * session token, also set as an HttpOnly cookie), `GET /auth/session`, `POST /auth/logout`
 * (ends the session server-side). Domain, URI and chain come from configuration only.
 */
export function authRoutes(o: AuthOptions) {
  const app = new Hono<AuthEnv>();

  app.get("/nonce", (c) => {
    if (!o.domain) return signInOff(c);
    const { nonce, expiresAt } = o.nonces.issue();
    c.header("Cache-Control", "no-store");
    return c.json({
      nonce,
      expiresAt: new Date(expiresAt).toISOString(),
      chainId: o.chainId,
      domain: o.domain,
      uri: o.uri ?? null,
      mode: o.mode,
    });
  });

  app.post("/verify", bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    if (!o.domain) return signInOff(c);
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
    const signIn = await checkSignIn(o, o.domain, body.data.message, body.data.signature);
    if (!signIn.ok) return refuse(c, signIn.status, signIn.error, signIn.hint);
    return startSession(c, o, signIn);
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
    const token = sessionToken(c);
    const checked = token ? o.signer.check(token) : undefined;
    if (checked?.ok) o.signer.revoke(checked.session);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ ok: true, signedOut: checked?.ok ?? false });
  });

  return app;
}

/** Why a session token was refused, in words. */
function sessionRefusal(reason: string): string {
  if (reason === "expired") return "session expired";
  if (reason === "signed out") return "session ended by sign-out";
  return `invalid session token (${reason})`;
}

function sessionToken(c: Context): string | undefined {
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? getCookie(c, SESSION_COOKIE);
}

/**
 * Lets a request through in open mode; otherwise only with a valid, unexpired, not signed-out
 * session token (`Authorization: Bearer` or the session cookie) of an account that holds a role
 * right now.
 */
export function requireAccess(o: AuthOptions): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (o.mode === "open") return next();
    const token = sessionToken(c);
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
      return refuse(
        c,
        401,
        sessionRefusal(checked.reason),
        "sign in again: GET /auth/nonce, then POST /auth/verify",
      );
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
