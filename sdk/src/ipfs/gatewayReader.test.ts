import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { unixfs } from "@helia/unixfs";
import { createHeliaLight, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { randomBytes } from "../crypto/webcrypto.ts";
import { IpfsFetchError } from "../errors.ts";
import { createGatewayReader } from "./gatewayReader.ts";

async function blockBytes(helia: Helia, cid: CID): Promise<Uint8Array> {
  const result: unknown = await helia.blockstore.get(cid);
  if (result instanceof Uint8Array) return result;
  const parts: Uint8Array[] = [];
  for await (const part of result as AsyncIterable<Uint8Array>) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * A trustless gateway (GET /ipfs/<cid>?format=raw -> the raw block) over a real in-memory Helia,
 * as an institution node serves it; `tamper` flips a byte of every block it sends.
 */
async function startGateway(
  source: Helia,
  options: { tamper?: boolean; oneBlockPerMs?: number } = {},
): Promise<{ url: string; server: Server }> {
  let queue = Promise.resolve();
  const server = createServer(async (request, response) => {
    // A slow link: blocks leave one at a time, `oneBlockPerMs` apart.
    if (options.oneBlockPerMs) {
      const turn = queue.then(() => new Promise<void>((r) => setTimeout(r, options.oneBlockPerMs)));
      queue = turn;
      await turn;
    }
    const match = /^\/ipfs\/([^/?]+)/.exec(request.url ?? "");
    try {
      const cid = CID.parse(match?.[1] ?? "");
      if (!(await source.blockstore.has(cid))) {
        response.writeHead(404).end();
        return;
      }
      const bytes = Buffer.from(await blockBytes(source, cid));
      if (options.tamper) bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
      response.writeHead(200, { "content-type": "application/vnd.ipld.raw" }).end(bytes);
    } catch {
      response.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("gateway reader (light Helia over trustless gateways)", () => {
  let source: Helia;
  let content: Uint8Array;
  let cid: CID;
  const servers: Server[] = [];

  before(async () => {
    source = createHeliaLight();
    await source.start();
    content = randomBytes(700_000);
    cid = await unixfs(source).addBytes(content);
  });

  after(async () => {
    for (const server of servers) server.close();
    await source.stop();
  });

  it("streams a multi-block file from a gateway, verified, with progress", async () => {
    const gateway = await startGateway(source);
    servers.push(gateway.server);
    const reader = await createGatewayReader({ gateways: [gateway.url], timeoutMs: 10_000 });
    try {
      let progress = 0;
      const bytes = await reader.bytes(cid.toString(), {
        onProgress: (n) => {
          progress = n;
        },
      });
      assert.deepEqual(bytes, content);
      assert.equal(progress, content.length);
      await assert.rejects(reader.bytes(cid, { maxBytes: 1000 }), /larger than 1000 bytes/);
    } finally {
      await reader.stop();
    }
  });

  it("finishes a transfer longer than its timeout while blocks keep coming", async () => {
    // The timeout bounds the wait for the next block, not the whole transfer: a large model over
    // a slow link must arrive, however long it takes in all.
    const slow = await startGateway(source, { oneBlockPerMs: 250 });
    servers.push(slow.server);
    const big = randomBytes(6_000_000); // a root and 6 leaves of 1 MiB: 1.75 s in all
    const bigCid = await unixfs(source).addBytes(big);
    const reader = await createGatewayReader({ gateways: [slow.url], timeoutMs: 1_200 });
    const started = Date.now();
    try {
      assert.deepEqual(await reader.bytes(bigCid), big);
      assert.ok(Date.now() - started > 1_500, "the transfer outlasted the timeout");
    } finally {
      await reader.stop();
    }
  });

  it("refuses altered blocks and a missing CID, and times out on a dead gateway, with clear errors", async () => {
    const tampering = await startGateway(source, { tamper: true });
    servers.push(tampering.server);
    const reader = await createGatewayReader({ gateways: [tampering.url], timeoutMs: 2_000 });
    try {
      await assert.rejects(reader.bytes(cid), IpfsFetchError);
    } finally {
      await reader.stop();
    }
    const honest = await startGateway(source);
    servers.push(honest.server);
    const missing = CID.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    const reader2 = await createGatewayReader({ gateways: [honest.url], timeoutMs: 2_000 });
    try {
      await assert.rejects(reader2.bytes(missing), IpfsFetchError);
    } finally {
      await reader2.stop();
    }
    const dead = await startGateway(source);
    const deadUrl = dead.url;
    await new Promise((resolve) => dead.server.close(resolve));
    const reader3 = await createGatewayReader({ gateways: [deadUrl], timeoutMs: 1_500 });
    const started = Date.now();
    try {
      await assert.rejects(
        reader3.bytes(cid),
        (e: unknown) => e instanceof IpfsFetchError && /127\.0\.0\.1/.test(e.message),
      );
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await reader3.stop();
    }
    await assert.rejects(createGatewayReader({ gateways: [] }), /No gateway/);
  });
});
