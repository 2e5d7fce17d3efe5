/**
 * Security headers of every response the web app sends (pages, scripts, wasm, errors, proxied
 * answers). One policy, used by the production server (`server.js`, every response), by the app's
 * hook (`src/hooks.server.ts`, which adds the hashes SvelteKit computes for its inline boot
 * script) and, without the Content-Security-Policy, by the Vite dev server.
 */
import { isolationHeaders } from "./cross-origin-isolation.js";

/**
 * The Content-Security-Policy the app fits in:
 * - scripts only from this origin (plus the hashes of SvelteKit's inline boot script), and
 *   `'wasm-unsafe-eval'` so onnxruntime-web may compile its WebAssembly;
 * - workers (ORT's WASM threads) from this origin or `blob:`;
 * - `connect-src`: this origin (the `/rpc` and `/indexer` proxies, the ORT wasm) and the IPFS
 *   gateways the page reads models and keyrings from, nothing else;
 * - images from this origin, `blob:` and `data:` (the scans the user picks, heatmaps);
 * - styles from this origin and inline (`style=` attributes in Svelte templates; no script runs
 *   from a style);
 * - never framed (`frame-ancestors 'none'`), no plugins, no `<base>` or form posts elsewhere.
 *
 * @param {{ connectSources?: readonly string[], scriptHashes?: readonly string[] }} [options]
 *   `connectSources`: extra origins (e.g. `http://127.0.0.1:5101`) the page may fetch;
 *   `scriptHashes`: CSP hash sources (`'sha256-...'`, quoted) of inline scripts.
 * @returns {string} the header value
 */
export function contentSecurityPolicy({ connectSources = [], scriptHashes = [] } = {}) {
  const directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'", ...scriptHashes],
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'", ...connectSources],
    "img-src": ["'self'", "blob:", "data:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${[...new Set(sources)].join(" ")}`)
    .join("; ");
}

/**
 * The origins of the gateway URLs (`http://host:port`), for `connect-src`. URLs that do not parse
 * or are not http(s) are left out (the page could not fetch them anyway).
 * @param {Iterable<string>} urls
 * @returns {string[]}
 */
export function originsOf(urls) {
  const origins = new Set();
  for (const url of urls) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") origins.add(parsed.origin);
    } catch {
      // not a URL: nothing the page may connect to
    }
  }
  return [...origins];
}

/** Headers besides the CSP: isolation (COOP/COEP/CORP), no MIME sniffing, no referrer leaks. */
export const baseSecurityHeaders = Object.freeze({
  ...isolationHeaders,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
});

/**
 * Sets every security header on a Node response; SvelteKit's pages later replace the CSP with
 * the same policy plus their inline-script hashes.
 * @param {import("node:http").ServerResponse} res
 * @param {string | null} csp the Content-Security-Policy value, or null to leave it out (dev)
 */
export function setSecurityHeaders(res, csp) {
  for (const [name, value] of Object.entries(baseSecurityHeaders)) res.setHeader(name, value);
  if (csp) res.setHeader("Content-Security-Policy", csp);
}

/**
 * Vite plugin: the security headers on every response of the dev and preview servers. Dev gets
 * only `frame-ancestors 'none'` as its CSP: Vite's client injects inline scripts and a websocket.
 */
export function securityHeaders() {
  const devCsp = "frame-ancestors 'none'";
  /** @param {import("node:http").IncomingMessage} _req @param {import("node:http").ServerResponse} res @param {() => void} next */
  const middleware = (_req, res, next) => {
    setSecurityHeaders(res, devCsp);
    next();
  };
  return {
    name: "neuroledger:security-headers",
    /** @param {{ middlewares: { use(fn: typeof middleware): void } }} server */
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    /** @param {{ middlewares: { use(fn: typeof middleware): void } }} server */
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}
