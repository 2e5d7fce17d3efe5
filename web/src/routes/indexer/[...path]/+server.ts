import { error } from "@sveltejs/kit";
import { readServerConfig } from "#lib/server/config.ts";

/**
 * Same-origin proxy to the indexer (see `rpc/+server.ts` for why): its audit API, and the
 * Sign-In with Ethereum routes in front of it. The session token travels in `Authorization`.
 */
async function forward({
  params,
  url,
  request,
  fetch,
}: {
  params: { path: string };
  url: URL;
  request: Request;
  fetch: typeof globalThis.fetch;
}) {
  const { upstreamIndexerUrl } = readServerConfig();
  if (!upstreamIndexerUrl) error(404, "No indexer is configured (NEUROLEDGER_INDEXER_URL).");
  const target = new URL(
    `${params.path}${url.search}`,
    `${upstreamIndexerUrl.replace(/\/$/, "")}/`,
  );
  const headers = new Headers();
  for (const name of ["authorization", "accept", "content-type"]) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const upstream = await fetch(target, {
    method: request.method,
    headers,
    body: request.method === "POST" ? await request.text() : undefined,
  }).catch((cause: unknown) => {
    error(502, `The indexer at ${upstreamIndexerUrl} did not answer: ${String(cause)}`);
  });
  const out = new Headers({
    "content-type": upstream.headers.get("content-type") ?? "application/json",
  });
  const disposition = upstream.headers.get("content-disposition");
  if (disposition) out.set("content-disposition", disposition);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

export const GET = forward;
export const POST = forward;
