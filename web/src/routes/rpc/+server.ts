import { json } from "@sveltejs/kit";
import { BodyTooLargeError, readBodyCapped } from "#lib/server/body.ts";
import { readServerConfig } from "#lib/server/config.ts";
import { checkRpcRequest, RPC_BODY_LIMIT_BYTES, rpcErrorBody } from "#lib/server/rpc-policy.ts";
import { fetchUpstream } from "#lib/server/upstream.ts";

/**
 * Same-origin JSON-RPC for the page's reads and for wallets that added the chain with this URL
 * (the page is cross-origin isolated, and a chain node does not send the CORS headers that would
 * let it fetch the node directly). Only the calls `rpc-policy.ts` allows reach the configured node,
 * re-serialised from what was checked; everything else gets a JSON-RPC error naming the reason.
 */
export async function POST({ request }) {
  const refuse = (status: number, refusal: Parameters<typeof rpcErrorBody>[0]) =>
    json(rpcErrorBody(refusal), { status });
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    return refuse(415, { code: -32600, message: "JSON-RPC requests must be application/json" });
  }
  let text: string;
  try {
    text = await readBodyCapped(request, RPC_BODY_LIMIT_BYTES);
  } catch (cause) {
    if (!(cause instanceof BodyTooLargeError)) throw cause;
    return refuse(413, { code: -32600, message: cause.message });
  }
  const checked = checkRpcRequest(text);
  if (!checked.ok) return refuse(checked.refusal.status, checked.refusal);

  const { upstreamRpcUrl } = readServerConfig();
  let upstream: Response;
  try {
    upstream = await fetchUpstream(upstreamRpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: checked.body,
    });
  } catch (cause) {
    console.error("rpc proxy: the chain node did not answer", cause);
    return refuse(502, { code: -32603, message: "the chain node did not answer" });
  }
  if (upstream.status >= 300 && upstream.status < 400) {
    await upstream.body?.cancel();
    return refuse(502, { code: -32603, message: "the chain node answered with a redirect" });
  }
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Any other method: refused with the reason. */
export function fallback({ request }) {
  return json(
    rpcErrorBody({ code: -32600, message: `${request.method} is not allowed: POST JSON-RPC` }),
    { status: 403, headers: { allow: "POST" } },
  );
}
