/**
 * What the `/indexer/*` proxy forwards to the indexer: the requests the app makes, nothing else.
 * The path is matched on the raw (still percent-encoded) pathname, whole, so `..`, encoded
 * slashes or dots, `//host`, absolute URLs or any other path of the indexer (GraphQL, SQL, the
 * rest of its API) never reach it.
 */

export const INDEXER_BODY_LIMIT_BYTES = 16 * 1024;
export const INDEXER_QUERY_LIMIT_CHARS = 2048;

/** [method, path below the indexer's base URL] the app uses. */
const routes: readonly { method: "GET" | "POST"; path: RegExp; use: string }[] = [
  { method: "GET", path: /^auth\/nonce$/, use: "Sign-In with Ethereum: a nonce" },
  { method: "POST", path: /^auth\/verify$/, use: "Sign-In with Ethereum: message + signature" },
  { method: "POST", path: /^auth\/logout$/, use: "sign-out (ends the session)" },
  { method: "GET", path: /^auth\/session$/, use: "the signed-in account" },
  { method: "GET", path: /^audit\/downloads$/, use: "the audit page, its CSV export" },
  { method: "GET", path: /^audit\/models$/, use: "the model page (lineage, counts)" },
  { method: "GET", path: /^audit\/models\/[0-9]{1,20}\/summary$/, use: "the model page" },
  {
    method: "GET",
    path: /^audit\/models\/[0-9]{1,20}\/scores$/,
    use: "the model page (ranking score history)",
  },
  {
    method: "GET",
    path: /^audit\/evaluations$/,
    use: "the Overview and model page (members' evaluations)",
  },
];

export type IndexerRoute = { ok: true; path: string } | { ok: false; status: 403; error: string };

/**
 * The upstream path for a request to `/indexer/<path>`, or why it is refused.
 * @param method the request's method
 * @param pathname the request URL's raw pathname (`/indexer/audit/downloads`)
 * @param search the request URL's raw query (`?model=1`), at most `INDEXER_QUERY_LIMIT_CHARS`
 */
export function indexerRoute(method: string, pathname: string, search: string): IndexerRoute {
  const path = pathname.startsWith("/indexer/") ? pathname.slice("/indexer/".length) : null;
  if (path === null || !routes.some((r) => r.method === method && r.path.test(path))) {
    const paths = routes.map((r) => `${r.method} /indexer/${r.path.source.slice(1, -1)}`);
    return {
      ok: false,
      status: 403,
      error: `${method} ${JSON.stringify(pathname.slice(0, 200))} is not forwarded to the indexer (this proxy forwards only ${paths.join(", ").replaceAll("\\/", "/")})`,
    };
  }
  if (search.length > INDEXER_QUERY_LIMIT_CHARS) {
    return {
      ok: false,
      status: 403,
      error: `the query string is longer than ${INDEXER_QUERY_LIMIT_CHARS} characters`,
    };
  }
  return { ok: true, path };
}

/**
 * The upstream URL: the configured indexer's origin and base path, the checked path, the query.
 * Built by setting URL parts (never by resolving request text against a base), so it cannot
 * name another host.
 */
export function indexerTarget(upstreamIndexerUrl: string, path: string, search: string): URL {
  const target = new URL(upstreamIndexerUrl);
  target.pathname = `${target.pathname.replace(/\/+$/, "")}/${path}`;
  target.search = search;
  target.hash = "";
  return target;
}
