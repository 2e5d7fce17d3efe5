import { error } from "@sveltejs/kit";
import { readServerConfig } from "#lib/server/config.ts";

/** Same-origin GET proxy to the indexer's audit API (see `rpc/+server.ts` for why). */
export async function GET({ params, url, fetch }) {
  const { upstreamIndexerUrl } = readServerConfig();
  if (!upstreamIndexerUrl) error(404, "No indexer is configured (NEUROLEDGER_INDEXER_URL).");
  const target = new URL(
    `${params.path}${url.search}`,
    `${upstreamIndexerUrl.replace(/\/$/, "")}/`,
  );
  const upstream = await fetch(target).catch((cause: unknown) => {
    error(502, `The indexer at ${upstreamIndexerUrl} did not answer: ${String(cause)}`);
  });
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" },
  });
}
