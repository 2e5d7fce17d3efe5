import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GATEWAY_SIGN_IN_MAX_MS, GATEWAY_SIGN_IN_STATEMENT } from "@neuroledger/sdk/ipfs";
import { type Address, getAddress, type Hex, isAddress, verifyMessage } from "viem";
import { createSiweMessage, parseSiweMessage } from "viem/siwe";
import { z } from "zod";
import { sendJson } from "../ipfs/gateway.ts";

/** How long a nonce may wait for its signed message. */
const NONCE_TTL_MS = 5 * 60_000;
/** How long a bearer token lives; the client signs in again after it. */
export const TOKEN_TTL_MS = 10 * 60_000;
/** Clock skew tolerated on `Issued At` and `Not Before`. */
const SKEW_MS = 30_000;
const MAX_BODY = 4096;

export interface SignInOptions {
  /** The node's public origin (`http://127.0.0.1:5101`): its host is the EIP-4361 domain. */
  origin: string;
  chainId: number;
  now?: () => number;
}

export interface GatewaySignIn {
  /** Answers `GET /auth/nonce` and `POST /auth/token`; false for any other path. */
  routes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** The account a request's bearer token is bound to, or why there is none. */
  accountOf(req: IncomingMessage): { account: Address } | { error: string };
}

const tokenRequest = z
  .object({
    message: z.string({ error: "message must be the signed EIP-4361 text" }).max(2000, {
      error: "message is longer than any sign-in message",
    }),
    signature: z
      .string({ error: "signature must be a 0x-prefixed hex string" })
      .regex(/^0x[0-9a-fA-F]{130}$/, { error: "signature must be 65 bytes of 0x-prefixed hex" }),
  })
  .strict();

/**
 * Sign-in to an institution node's gateway: EIP-4361 (Sign-In with Ethereum) with the domain, URI
 * and chain from the node's configuration, a one-time nonce, an expiry of at most ten minutes, and
 * an EIP-191 signature; the answer is a bearer token bound to the account.
 *
 * Nonces and tokens are stateless HMACs under a key that lives only in this process (a restart
 * signs everyone out): no pattern of anonymous requests can fill memory or evict someone else's
 * nonce. Only nonces already used by a valid sign-in are remembered, until they expire.
 */
export function createSignIn(options: SignInOptions): GatewaySignIn {
  const signIn = new NodeSignIn(options);
  return {
    routes: (req, res, url) => signIn.routes(req, res, url),
    accountOf: (req) => signIn.accountOf(req),
  };
}

/** The state of {@link createSignIn}: the HMAC key, the node's origin, the used nonces. */
class NodeSignIn {
  private readonly options: SignInOptions;
  private readonly now: () => number;
  private readonly key = randomBytes(32);
  private readonly origin: URL;
  private readonly domain: string;
  private readonly used = new Map<string, number>();

  constructor(options: SignInOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.origin = new URL(options.origin);
    this.domain = this.origin.host;
  }

  async routes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === "/auth/nonce") {
      this.answerNonce(req, res, url);
      return true;
    }
    if (url.pathname !== "/auth/token") return false;
    await this.answerToken(req, res);
    return true;
  }

  accountOf(req: IncomingMessage): { account: Address } | { error: string } {
    const header = req.headers.authorization;
    if (!header)
      return {
        error:
          "sign in first: GET /auth/nonce, POST /auth/token, then send Authorization: Bearer <token>",
      };
    const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header);
    if (!match) return { error: "the Authorization header is not a bearer token from this node" };
    const [, body = "", tag = ""] = match;
    const expected = this.mac(`token:${body}`);
    const given = Buffer.from(tag, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return {
        error: "the bearer token was not issued by this node (or it restarted): sign in again",
      };
    const { a, e } = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as {
      a: Address;
      e: number;
    };
    if (e < this.now()) return { error: "the bearer token expired: sign in again" };
    return { account: a };
  }

  private mac(text: string) {
    return createHmac("sha256", this.key).update(text).digest();
  }

  /** `GET /auth/nonce` -> `{ nonce, domain, uri, chainId }`. */
  private answerNonce(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "/auth/nonce answers GET" });
      return;
    }
    if ([...url.searchParams.keys()].length > 0) {
      sendJson(res, 400, { error: "/auth/nonce takes no parameters" });
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    sendJson(res, 200, {
      nonce: this.issueNonce(),
      domain: this.domain,
      uri: this.origin.origin,
      chainId: this.options.chainId,
    });
  }

  /** `POST /auth/token` `{ message, signature }` -> `{ token, expiresAt, address }`. */
  private async answerToken(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== "POST") {
      sendJson(res, 405, { error: "/auth/token answers POST" });
      return;
    }
    if ((req.headers["content-type"] ?? "").split(";")[0]?.trim() !== "application/json") {
      sendJson(res, 415, { error: "send { message, signature } as application/json" });
      return;
    }
    const request = await readTokenRequest(req);
    if ("error" in request) {
      sendJson(res, 400, { error: request.error });
      return;
    }
    const { message, signature } = request;
    const problem = this.messageProblem(message);
    if (problem) {
      sendJson(res, 401, { error: problem });
      return;
    }
    const fields = parseSiweMessage(message);
    const account = getAddress(fields.address as Address);
    // Spent before the signature check (which awaits), so two racing requests cannot both use it.
    this.forgetOld();
    this.used.set(fields.nonce as string, this.now() + NONCE_TTL_MS);
    const valid = await verifyMessage({
      address: account,
      message,
      signature: signature as Hex,
    }).catch(() => false);
    if (!valid) {
      sendJson(res, 401, { error: `the signature is not ${account}'s over this message` });
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    sendJson(res, 200, { ...this.issueToken(account), address: account });
  }

  // nonce = expiry (12 hex digits, ms) + 24 random hex digits + 24 hex digits of HMAC: alphanumeric
  // as EIP-4361 wants, and checkable without keeping any state per nonce.
  private issueNonce() {
    const body = `${(this.now() + NONCE_TTL_MS).toString(16).padStart(12, "0")}${randomBytes(12).toString("hex")}`;
    return `${body}${this.mac(`nonce:${body}`).subarray(0, 12).toString("hex")}`;
  }

  private nonceProblem(nonce: string): string | undefined {
    if (!/^[0-9a-f]{60}$/.test(nonce)) return "the nonce was not issued by this node";
    const body = nonce.slice(0, 36);
    const expected = this.mac(`nonce:${body}`).subarray(0, 12);
    if (!timingSafeEqual(expected, Buffer.from(nonce.slice(36), "hex")))
      return "the nonce was not issued by this node";
    if (Number.parseInt(body.slice(0, 12), 16) < this.now())
      return "the nonce expired: ask for a new one";
    if (this.used.has(nonce)) return "the nonce was already used: ask for a new one";
    return undefined;
  }

  private forgetOld() {
    const t = this.now();
    for (const [n, expires] of this.used) if (expires < t) this.used.delete(n);
  }

  private issueToken(account: Address) {
    const expiresAt = this.now() + TOKEN_TTL_MS;
    const body = Buffer.from(JSON.stringify({ a: account, e: expiresAt })).toString("base64url");
    return { token: `${body}.${this.mac(`token:${body}`).toString("base64url")}`, expiresAt };
  }

  /** Why a signed message may not sign in, or undefined. */
  private messageProblem(text: string): string | undefined {
    const fields = parseSiweMessage(text);
    return (
      this.originProblem(fields) ??
      this.nonceFieldProblem(fields) ??
      this.timeProblem(fields) ??
      this.formProblem(text, fields)
    );
  }

  /** Address, domain, URI, chain and statement. */
  private originProblem(fields: SiweFields): string | undefined {
    const { domain, origin, options } = this;
    if (!fields.address || !isAddress(fields.address, { strict: false }))
      return "the message names no valid address";
    if (fields.domain !== domain)
      return `the message is for domain "${fields.domain}", not this node (${domain})`;
    if (fields.uri !== origin.origin)
      return `the message is for URI "${fields.uri}", not this node (${origin.origin})`;
    if (fields.chainId !== options.chainId)
      return `the message is for chain ${fields.chainId}, not ${options.chainId}`;
    if (fields.statement !== GATEWAY_SIGN_IN_STATEMENT)
      return "the message's statement is not this node's sign-in statement";
    return undefined;
  }

  private nonceFieldProblem(fields: SiweFields): string | undefined {
    if (!fields.nonce) return "the message has no nonce";
    return this.nonceProblem(fields.nonce);
  }

  /** Issued At, Expiration Time (both required, at most GATEWAY_SIGN_IN_MAX_MS apart), Not Before. */
  private timeProblem(fields: SiweFields): string | undefined {
    if (!fields.issuedAt || !fields.expirationTime)
      return "the message needs an Issued At and an Expiration Time";
    const t = this.now();
    if (fields.issuedAt.getTime() > t + SKEW_MS) return "the message is issued in the future";
    if (fields.expirationTime.getTime() <= t) return "the message has expired";
    if (fields.expirationTime.getTime() - fields.issuedAt.getTime() > GATEWAY_SIGN_IN_MAX_MS)
      return `the message may be valid for at most ${GATEWAY_SIGN_IN_MAX_MS / 60_000} minutes`;
    if (fields.notBefore && fields.notBefore.getTime() > t + SKEW_MS)
      return "the message is not valid yet (Not Before)";
    return undefined;
  }

  /**
   * Strict form: the text must be exactly what EIP-4361 writes for these fields, so no field can
   * be out of order, repeated, or carried along unread.
   */
  private formProblem(text: string, fields: SiweFields): string | undefined {
    const canonical = createSiweMessage({
      domain: this.domain,
      address: getAddress(fields.address as Address),
      statement: fields.statement,
      uri: fields.uri as string,
      version: "1",
      chainId: fields.chainId as number,
      nonce: fields.nonce as string,
      issuedAt: fields.issuedAt,
      expirationTime: fields.expirationTime,
      notBefore: fields.notBefore,
      requestId: fields.requestId,
      resources: fields.resources,
    });
    if (canonical !== text && canonical !== text.replace(/\r\n/g, "\n"))
      return "the message is not in EIP-4361 form (fields out of order, unknown or malformed)";
    return undefined;
  }
}

type SiweFields = ReturnType<typeof parseSiweMessage>;

/** The `{ message, signature }` of a token request, or the sentence for a 400. */
async function readTokenRequest(
  req: IncomingMessage,
): Promise<{ message: string; signature: string } | { error: string }> {
  const body = await readBody(req);
  let json: unknown;
  try {
    json = body === undefined ? undefined : JSON.parse(body);
  } catch {}
  const parsed = tokenRequest.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (body === undefined) return { error: `the body is over ${MAX_BODY} bytes` };
  if (issue?.code === "unrecognized_keys") return { error: `unknown field "${issue.keys[0]}"` };
  return { error: issue?.message ?? "send { message, signature }" };
}

/** The body as text, or undefined when it is over MAX_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    length += part.length;
    if (length > MAX_BODY) return undefined;
    parts.push(part);
  }
  return Buffer.concat(parts).toString("utf8");
}
