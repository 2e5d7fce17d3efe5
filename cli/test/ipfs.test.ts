// Two institution nodes in two processes, peered over loopback: bitswap, the trustless gateway,
// bounded waits, and pins surviving a kill -9.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { CarBlockIterator } from "@ipld/car";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { NodeClient } from "../src/ipfs/client.ts";
import { type NodeProcess, once, startNodeProcess, tempDir } from "./helpers/nodeProcess.ts";

describe("institution nodes over loopback (no chain)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let a: NodeProcess;
  let b: NodeProcess;

  before(async () => {
    dir = await tempDir("ipfs");
    a = await startNodeProcess({ name: "a", dataDir: `${dir.path}/a`, args: ["--no-follow"] });
    b = await startNodeProcess({
      name: "b",
      dataDir: `${dir.path}/b`,
      args: ["--no-follow", "--fetch-timeout", "2000"],
      peers: [a.info.multiaddrs[0] as string],
    });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dir?.remove();
  });

  test("a file added on A is served by B's gateway, byte for byte (bitswap)", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const cid = await a.client.add(once(bytes));
    const fetched = await b.client.catBytes(cid);
    assert.equal(fetched.length, bytes.length);
    assert.ok(Buffer.from(fetched).equals(bytes));
  });

  test("a block B fetched, then lost to garbage collection, is fetched again at once", async () => {
    // Bitswap regression (patches/@helia__bitswap@4.0.19.patch): A ignored a second want for a
    // block it had just sent, so B's re-fetch hung until its timeout. The pin follower hits this
    // when it pins a model whose blocks the gateway fetched and a gc removed moments before.
    const quick = new NodeClient(b.info.gatewayUrl, 5000);
    for (let round = 0; round < 3; round++) {
      const cid = await a.client.add(once(randomBytes(4096)));
      assert.equal((await b.client.catBytes(cid)).length, 4096, "B fetched it (unpinned)");
      const scratch = await b.client.add(once(randomBytes(64)));
      await b.client.unpin(scratch); // unpinning runs a gc, which drops the fetched block
      assert.ok(!(await b.client.pins()).includes(cid));
      const started = Date.now();
      await quick.pin(cid);
      assert.ok(Date.now() - started < 5000, `round ${round}: re-fetched in time`);
      assert.ok((await b.client.pins()).includes(cid));
      await b.client.unpin(cid);
    }
  });

  test("the gateway answers raw blocks and CARs that verify, with CORS and CORP headers", async () => {
    const bytes = randomBytes(600 * 1024);
    const cid = await a.client.add(once(bytes));
    const raw = await fetch(`${b.info.gatewayUrl}/ipfs/${cid}?format=raw`);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get("access-control-allow-origin"), "*");
    assert.equal(raw.headers.get("cross-origin-resource-policy"), "cross-origin");
    assert.equal(raw.headers.get("content-type"), "application/vnd.ipld.raw");
    const root = CID.parse(cid);
    const block = new Uint8Array(await raw.arrayBuffer());
    assert.deepEqual((await sha256.digest(block)).digest, root.multihash.digest);

    const car = await fetch(`${b.info.gatewayUrl}/ipfs/${cid}`, {
      headers: { accept: "application/vnd.ipld.car" },
    });
    assert.equal(car.status, 200);
    const blocks = await CarBlockIterator.fromBytes(new Uint8Array(await car.arrayBuffer()));
    assert.deepEqual((await blocks.getRoots()).map(String), [cid]);
    let count = 0;
    for await (const { cid: c, bytes: data } of blocks) {
      assert.deepEqual(
        (await sha256.digest(data)).digest,
        c.multihash.digest,
        `block ${c} verifies`,
      );
      count++;
    }
    assert.ok(count >= 2, "a 600 KiB file is a root and its leaves");

    const preflight = await fetch(`${b.info.gatewayUrl}/ipfs/${cid}`, { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  });

  test("the control API is not open to web pages (no CORS) and refuses non-binary bodies", async () => {
    const res = await fetch(`${a.info.gatewayUrl}/api/add`, {
      method: "POST",
      body: "x",
      headers: { "content-type": "text/plain" },
    });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  test("a CID nobody has times out with an error instead of hanging", async () => {
    // A CID of bytes that were never added anywhere.
    const digest = await sha256.digest(randomBytes(32));
    const missing = CID.createV1(0x55, digest).toString();
    const started = Date.now();
    const res = await fetch(`${b.info.gatewayUrl}/ipfs/${missing}?format=raw`);
    assert.equal(res.status, 504);
    assert.match((await res.json()).error, /not found within 2000 ms/);
    assert.ok(Date.now() - started < 10_000);
    await assert.rejects(b.client.catBytes(missing), (err: Error) => /504/.test(err.message));
  });

  test("a dead gateway is reported as unreachable, quickly", async () => {
    const dead = new NodeClient("http://127.0.0.1:9", 3000);
    const started = Date.now();
    await assert.rejects(
      dead.catBytes("bafkqaaa"),
      /cannot reach the IPFS node at http:\/\/127\.0\.0\.1:9/,
    );
    assert.ok(Date.now() - started < 5000);
  });

  test("malformed CIDs get a 400 naming the problem", async () => {
    const res = await fetch(`${a.info.gatewayUrl}/ipfs/not-a-cid`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /not a CID: not-a-cid/);
  });

  test("kill -9 and restart: pins and blocks are still there", async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    const cid = await b.client.add(once(bytes));
    assert.ok((await b.client.pins()).includes(cid));
    await b.kill9();
    b = await startNodeProcess({
      name: "b",
      dataDir: b.dataDir,
      args: ["--no-follow", "--fetch-timeout", "2000"],
      peers: [a.info.multiaddrs[0] as string],
    });
    assert.ok((await b.client.pins()).includes(cid), "the pin survived");
    const fetched = await b.client.catBytes(cid);
    assert.ok(Buffer.from(fetched).equals(bytes));
  });
});
