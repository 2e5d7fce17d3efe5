/**
 * Production server for the built app: adapter-node's handler wrapped so that every response,
 * static files and errors included, carries the security headers (security-headers.js: CSP,
 * cross-origin isolation, nosniff, referrer policy). Binds 127.0.0.1.
 *
 *   node server.js [--port 5173]        (or PORT=5173)
 *   import { startWebServer } from "@neuroledger/web/server"
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  baseSecurityHeaders,
  contentSecurityPolicy,
  setSecurityHeaders,
} from "./security-headers.js";

const buildDir = new URL("./build/", import.meta.url);

/** Builds the app (vite build, ~10 s) when there is no build yet. @param {URL} handlerFile */
function ensureBuilt(handlerFile) {
  if (existsSync(fileURLToPath(handlerFile))) return;
  const vitePackage = createRequire(import.meta.url).resolve("vite/package.json");
  const vite = fileURLToPath(new URL("bin/vite.js", pathToFileURL(vitePackage)));
  try {
    execFileSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: fileURLToPath(new URL("./", import.meta.url)),
      stdio: ["ignore", "inherit", "inherit"],
    });
  } catch (cause) {
    throw new Error("Building the web app failed: run `pnpm -C web build` to see why.", { cause });
  }
}

/**
 * A 304 updates the headers the browser stored with the page: the policy it carries would replace
 * the stored one and its inline-script hashes (SvelteKit answers 304 without them), so a reload
 * would block the page's boot script. A 304 keeps the stored policy by sending none.
 * @param {import("node:http").ServerResponse} res
 */
function keepCachedPolicyOn304(res) {
  const writeHead = res.writeHead.bind(res);
  /** @type {typeof res.writeHead} */
  const guarded = (/** @type {number} */ status, /** @type {any[]} */ ...rest) => {
    if (status === 304) res.removeHeader("Content-Security-Policy");
    return writeHead(status, ...rest);
  };
  res.writeHead = guarded;
}

/**
 * Starts the server. Port 0 picks a free one. `env` holds the stack settings the app reads
 * (NEUROLEDGER_RPC_URL, NEUROLEDGER_DEPLOYMENT, ... see src/lib/server/config.ts); they are set
 * on this process's environment, which the app reads per request.
 * @param {{ port?: number, host?: string, env?: Record<string, string>, build?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startWebServer({
  port = 0,
  host = "127.0.0.1",
  env = {},
  build = false,
} = {}) {
  const handlerFile = new URL("handler.js", buildDir);
  if (build) ensureBuilt(handlerFile);
  if (!existsSync(fileURLToPath(handlerFile))) {
    throw new Error(
      `The web app is not built (${fileURLToPath(handlerFile)} is missing): run \`pnpm -C web build\` first.`,
    );
  }
  Object.assign(process.env, env);
  const { handler } = await import(handlerFile.href);
  // Static files get the policy without page hashes (no inline script runs from them); pages and
  // endpoints get the whole one from the app's hook (src/hooks.server.ts).
  const csp = contentSecurityPolicy();
  const server = createServer((req, res) => {
    setSecurityHeaders(res, csp);
    keepCachedPolicyOn304(res);
    handler(req, res);
  });
  // A request Node cannot parse is answered here, with the same headers.
  server.on("clientError", (_error, socket) => {
    if (!socket.writable) return socket.destroy();
    const headers = [
      "HTTP/1.1 400 Bad Request",
      "Content-Type: text/plain; charset=utf-8",
      "Connection: close",
      `Content-Security-Policy: ${csp}`,
      ...Object.entries(baseSecurityHeaders).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.end(`${headers.join("\r\n")}\r\n\r\nBad request\n`);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { port: { type: "string" } } });
  const port = Number(values.port ?? process.env.PORT ?? 5173);
  const { url, close } = await startWebServer({ port });
  console.log(`NeuroLedger web app at ${url}`);
  for (const signal of ["SIGINT", "SIGTERM"])
    process.once(signal, () => close().then(() => process.exit(0)));
}
