import { json } from "@sveltejs/kit";
import { parseSiweMessage } from "viem/siwe";
import { BodyTooLargeError, readBodyCapped } from "#lib/server/body.ts";
import { readServerConfig } from "#lib/server/config.ts";
import {
  INDEXER_BODY_LIMIT_BYTES,
  indexerRoute,
  indexerTarget,
} from "#lib/server/indexer-policy.ts";
import { fetchUpstream } from "#lib/server/upstream.ts";

/**
 * Same-origin proxy to the configured indexer (see `rpc/+server.ts` for why): only the requests
 * the app makes (`indexer-policy.ts`), with only the headers they need (`Authorization` carries
 * the session token; `Host` is the indexer's own). State-changing requests must come from this
 * app's pages, and a sign-in must be for the domain users of this app see.
 */
async function forward({ url, request }: { url: URL; request: Request }) {
  const route = indexerRoute(request.method, url.pathname, url.search);
  if (!route.ok) return refuse(route.status, route.error);
  const { upstreamIndexerUrl, siweDomain } = readServerConfig();
  if (!upstreamIndexerUrl)
    return refuse(404, "No indexer is configured (NEUROLEDGER_INDEXER_URL).");

  let body: string | undefined;
  if (request.method === "POST") {
    const checked = await checkedPostBody(request, url, route.path, siweDomain);
    if (checked instanceof Response) return checked;
    body = checked;
  }

  let upstream: Response;
  try {
    upstream = await fetchUpstream(indexerTarget(upstreamIndexerUrl, route.path, url.search), {
      method: request.method,
      headers: upstreamHeaders(request, body),
      body,
    });
  } catch (cause) {
    console.error("indexer proxy: the indexer did not answer", cause);
    return refuse(502, "the indexer did not answer");
  }
  if (upstream.status >= 300 && upstream.status < 400) {
    await upstream.body?.cancel();
    return refuse(502, "the indexer answered with a redirect");
  }
  const out = new Headers({
    "content-type": upstream.headers.get("content-type") ?? "application/json",
    "cache-control": "no-store",
  });
  for (const name of ["content-disposition", "www-authenticate"]) {
    const value = upstream.headers.get(name);
    if (value) out.set(name, value);
  }
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

function refuse(status: number, error: string) {
  return json({ error }, { status });
}

/**
 * The body of a POST to the indexer (at most INDEXER_BODY_LIMIT_BYTES of JSON), or the refusal:
 * 403 for a cross-site request or a sign-in for another domain, 415 for another content type,
 * 413 for a larger body.
 */
async function checkedPostBody(
  request: Request,
  url: URL,
  path: string,
  siweDomain: string | null,
): Promise<string | Response> {
  // Same host as this request (the scheme is left out: behind TLS termination adapter-node
  // cannot know it). Browsers send Origin on every cross-site POST.
  const origin = request.headers.get("origin");
  if (origin !== null && hostOf(origin) !== url.host) {
    return refuse(403, `cross-site request from ${JSON.stringify(origin.slice(0, 200))} refused`);
  }
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    return refuse(415, "the indexer's POST routes take application/json");
  }
  let body: string;
  try {
    body = await readBodyCapped(request, INDEXER_BODY_LIMIT_BYTES);
  } catch (cause) {
    if (!(cause instanceof BodyTooLargeError)) throw cause;
    return refuse(413, cause.message);
  }
  if (path === "auth/verify") {
    const wrongDomain = signInDomainProblem(body, siweDomain ?? url.host);
    if (wrongDomain) return refuse(403, wrongDomain);
  }
  return body;
}

/** Only the headers the indexer needs: a well-formed bearer token, Accept, the body's type. */
function upstreamHeaders(request: Request, body: string | undefined): Headers {
  const headers = new Headers();
  const authorization = request.headers.get("authorization");
  if (authorization && /^Bearer [A-Za-z0-9._~+/=-]{1,4096}$/.test(authorization)) {
    headers.set("authorization", authorization);
  }
  const accept = request.headers.get("accept");
  if (accept && accept.length < 256) headers.set("accept", accept);
  if (body !== undefined) headers.set("content-type", "application/json");
  return headers;
}

/**
 * Why a sign-in body is not for this app's users (its EIP-4361 `domain` is another one), or null.
 * A body that does not parse goes on: the indexer answers it with the reason.
 */
function signInDomainProblem(body: string, domain: string): string | null {
  let message: unknown;
  try {
    message = (JSON.parse(body) as { message?: unknown } | null)?.message;
  } catch {
    return null;
  }
  if (typeof message !== "string") return null;
  const signedFor = parseSiweMessage(message).domain;
  if (signedFor === undefined || signedFor === domain) return null;
  return `the sign-in message is for domain "${signedFor.slice(0, 200)}"; users of this app sign in for "${domain}"`;
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export const GET = forward;
export const POST = forward;
// Any other method: refused with the reason, like an unknown path.
export const fallback = forward;
