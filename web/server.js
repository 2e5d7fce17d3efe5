/**
 * Production server for the built app: adapter-node's handler wrapped so that every response,
 * static files included, carries the cross-origin isolation headers. Binds 127.0.0.1.
 *
 *   node server.js [--port 5173]        (or PORT=5173)
 *   import { startWebServer } from "@neuroledger/web/server"
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setIsolationHeaders } from "./cross-origin-isolation.js";

const buildDir = new URL("./build/", import.meta.url);

/**
 * Starts the server. Port 0 picks a free one.
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startWebServer({ port = 0, host = "127.0.0.1" } = {}) {
  const handlerFile = new URL("handler.js", buildDir);
  if (!existsSync(fileURLToPath(handlerFile))) {
    throw new Error(
      `The web app is not built (${fileURLToPath(handlerFile)} is missing): run \`pnpm -C web build\` first.`,
    );
  }
  const { handler } = await import(handlerFile.href);
  const server = createServer((req, res) => {
    setIsolationHeaders(res);
    handler(req, res);
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
