// The gateway in-process: long-lived keep-alive connections must not collect per-request state.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Agent, get } from "node:http";
import type { Socket } from "node:net";
import { test } from "node:test";
import { addPinned } from "../src/ipfs/api.ts";
import { startGateway } from "../src/ipfs/gateway.ts";
import { startIpfsNode } from "../src/ipfs/node.ts";
import { tempDir } from "./helpers/nodeProcess.ts";

function fetchOver(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let n = 0;
      res.on("data", (c: Buffer) => {
        n += c.length;
      });
      res.on("end", () => resolve(n));
      res.on("error", reject);
    }).on("error", reject);
  });
}

test("many requests over one keep-alive connection leave no listeners behind on its socket", async () => {
  const dir = await tempDir("gateway");
  const node = await startIpfsNode({ dir: dir.path });
  const gateway = await startGateway({ node });
  const sockets: Socket[] = [];
  gateway.server.on("connection", (s: Socket) => sockets.push(s));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const cid = await addPinned(node, [randomBytes(10_000)]);
    const baseline = async () => {
      assert.equal(await fetchOver(agent, `${gateway.url}/ipfs/${cid}`), 10_000);
      return sockets[0]?.listenerCount("close") ?? 0;
    };
    const first = await baseline();
    for (let i = 0; i < 30; i++) await baseline();
    assert.equal(sockets.length, 1, "all requests shared one connection");
    assert.equal(sockets[0]?.listenerCount("close"), first, "no listener per request");
  } finally {
    agent.destroy();
    await gateway.close();
    await node.stop();
    await dir.remove();
  }
});

/** Reads `url` a chunk at a time, pausing `pauseMs` after each; resolves with the byte count. */
function readSlowly(url: string, pauseMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let n = 0;
      res.on("data", (c: Buffer) => {
        n += c.length;
        res.pause();
        setTimeout(() => res.resume(), pauseMs);
      });
      res.on("end", () => resolve(n));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error(`the gateway cut the response after ${n} bytes`)));
    }).on("error", reject);
  });
}

test("a download slower than the fetch timeout is served whole while its blocks keep coming", async () => {
  const dirs = [await tempDir("gateway-holder"), await tempDir("gateway-reader")];
  const holder = await startIpfsNode({ dir: dirs[0]?.path as string });
  const reader = await startIpfsNode({ dir: dirs[1]?.path as string, peers: holder.multiaddrs() });
  // The timeout bounds the wait for a block, not the whole transfer: a big model fetched from
  // peers for a slow client (one that decrypts as it reads) takes longer and must still arrive.
  const gateway = await startGateway({ node: reader, fetchTimeoutMs: 1_500 });
  try {
    const size = 16 * 1024 * 1024;
    const cid = await addPinned(holder, [randomBytes(size)]);
    const started = Date.now();
    assert.equal(await readSlowly(`${gateway.url}/ipfs/${cid}`, 10), size);
    assert.ok(Date.now() - started > 3_000, "the transfer outlasted the fetch timeout");
  } finally {
    await gateway.close();
    await reader.stop();
    await holder.stop();
    for (const dir of dirs) await dir?.remove();
  }
});
