import { error } from "@sveltejs/kit";
import { readServerConfig } from "#lib/server/config.ts";

/**
 * Same-origin JSON-RPC for the page's reads (the page is cross-origin isolated, and a chain
 * node does not send the CORS headers that would let it fetch the node directly).
 * Only POSTed JSON-RPC is forwarded; the body is passed through unchanged.
 */
export async function POST({ request, fetch }) {
  if (!request.headers.get("content-type")?.includes("application/json")) {
    error(415, "JSON-RPC requests must be application/json");
  }
  const { upstreamRpcUrl } = readServerConfig();
  const upstream = await fetch(upstreamRpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: await request.text(),
  }).catch((cause: unknown) => {
    error(502, `The chain node at ${upstreamRpcUrl} did not answer: ${String(cause)}`);
  });
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { "content-type": "application/json" },
  });
}
