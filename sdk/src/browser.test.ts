import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { unixfs } from "@helia/unixfs";
import { build } from "esbuild";
import { createHeliaLight, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { type Browser, chromium } from "playwright-core";
import { exampleCard } from "./card/testing/exampleCard.ts";
import { toHex } from "./crypto/bytes.ts";
import { randomBytes } from "./crypto/webcrypto.ts";
import { preprocessImage } from "./inference/preprocess.ts";

const CHROMIUM = "/usr/bin/chromium";
const vectorsDir = new URL("../test-vectors/", import.meta.url);
const readVectors = (name: string) => JSON.parse(readFileSync(new URL(name, vectorsDir), "utf8"));

/** Serves the bundle, an empty page, and a trustless gateway over a real Helia, all on one origin. */
function startServer(bundle: string, source: Helia): Promise<Server> {
  const server = createServer(async (request, response) => {
    const url = request.url ?? "/";
    if (url === "/")
      return response
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><script type="module" src="/sdk.js"></script>');
    if (url === "/sdk.js")
      return response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    const match = /^\/ipfs\/([^/?]+)/.exec(url);
    if (!match) return response.writeHead(404).end();
    try {
      const cid = CID.parse(match[1] as string);
      if (!(await source.blockstore.has(cid))) return response.writeHead(404).end();
      const result: unknown = await source.blockstore.get(cid);
      const parts: Uint8Array[] = [];
      if (result instanceof Uint8Array) parts.push(result);
      else for await (const part of result as AsyncIterable<Uint8Array>) parts.push(part);
      response
        .writeHead(200, { "content-type": "application/vnd.ipld.raw" })
        .end(Buffer.concat(parts));
    } catch {
      response.writeHead(400).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("the browser entries in Chromium", () => {
  let browser: Browser;
  let server: Server;
  let source: Helia;
  let content: Uint8Array<ArrayBuffer>;
  let cid: CID;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is needed at ${CHROMIUM} (apt-get install -y chromium)`,
    );
    // Bundling for the browser platform fails on any Node built-in that leaks into these entries.
    const result = await build({
      entryPoints: [fileURLToPath(new URL("testing/browserChecks.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    source = createHeliaLight();
    await source.start();
    content = randomBytes(600_000);
    cid = await unixfs(source).addBytes(content);
    server = await startServer(result.outputFiles[0]?.text ?? "", source);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    await source?.stop();
  });

  it("reproduces the vectors, derives keys, preprocesses like Node, and reads verified blocks from a gateway", async () => {
    const page = await browser.newPage();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "runSdkChecks" in globalThis, undefined, { timeout: 10_000 });
    const image = {
      width: 5,
      height: 3,
      data: Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256),
    };
    const input = {
      vectors: {
        container: readVectors("container-v1.json"),
        wrap: readVectors("wrap-v1.json"),
        account: readVectors("account-key-v1.json"),
      },
      card: exampleCard(),
      gateway: origin,
      cid: cid.toString(),
      image,
    };
    // biome-ignore lint/suspicious/noExplicitAny: the page's global is set by the bundle.
    const result = await page.evaluate((args) => (globalThis as any).runSdkChecks(args), input);
    assert.equal(result.secureContext, true);
    assert.deepEqual(result.containers, Array(4).fill({ opened: true, sealed: true }));
    assert.equal(result.wrap, true);
    assert.equal(result.accountKey, true);
    assert.equal(result.keyring, true);
    assert.equal(result.overlayAlpha, 153);
    const nodeInput = preprocessImage(
      { ...image, data: Uint8Array.from(image.data) },
      exampleCard().preprocessing,
    );
    assert.deepEqual(result.preprocessed, Array.from(nodeInput.subarray(0, 512)));
    const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", content)));
    assert.deepEqual(result.gateway, { length: content.length, sha256: digest });
  });
});
