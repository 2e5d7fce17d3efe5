import type { Handle } from "@sveltejs/kit/hooks";
import { readServerConfig } from "#lib/server/config.ts";
import { dev } from "$app/env";
import { contentSecurityPolicy, originsOf } from "../security-headers.js";

/**
 * Every answer of the app (pages, endpoints, errors) carries the app's whole Content-Security-
 * Policy. SvelteKit computes the hashes of each page's inline boot script into its own header
 * (`csp` in vite.config.ts); they move into our policy, which also lets the page reach the IPFS
 * gateways of the configuration. `server.js` sets the same policy on static files.
 */
export const handle: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  try {
    response.headers.set("content-security-policy", policyFor(response));
    if (response.headers.get("content-type")?.startsWith("text/html")) {
      // The page shell is tiny: never stored, so it never comes back as a 304 (see server.js).
      response.headers.set("cache-control", "no-store");
      response.headers.delete("etag");
    }
  } catch {
    // Immutable headers (a response passed through from fetch): server.js has set the policy.
  }
  return response;
};

function policyFor(response: Response): string {
  // Vite's client injects inline scripts and a websocket: dev keeps only the framing rule.
  if (dev) return "frame-ancestors 'none'";
  const kitPolicy = response.headers.get("content-security-policy") ?? "";
  const scriptHashes = kitPolicy.match(/'sha(?:256|384|512)-[A-Za-z0-9+/=]+'/g) ?? [];
  const connectSources = originsOf(Object.values(readServerConfig().app.gateways));
  return contentSecurityPolicy({ connectSources, scriptHashes });
}
