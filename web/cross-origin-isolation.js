/**
 * Cross-origin isolation (COOP + COEP) is what lets onnxruntime-web use WASM threads
 * (SharedArrayBuffer). Shared by the Vite dev server and the production server: Vite's
 * `server.headers` and Kit hooks do not reach static files, so the headers are set here,
 * before anything else answers.
 */
export const isolationHeaders = Object.freeze({
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
});

/** @param {import("node:http").ServerResponse} res */
export function setIsolationHeaders(res) {
  for (const [name, value] of Object.entries(isolationHeaders)) res.setHeader(name, value);
}

/** @param {import("node:http").IncomingMessage} _req @param {import("node:http").ServerResponse} res @param {() => void} next */
function middleware(_req, res, next) {
  setIsolationHeaders(res);
  next();
}

/** Vite plugin: the isolation headers on every response of the dev and preview servers. */
export function crossOriginIsolation() {
  return {
    name: "neuroledger:cross-origin-isolation",
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
