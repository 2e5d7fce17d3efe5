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
