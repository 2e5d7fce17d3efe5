// The gc scheduler that keeps Helia's gc away from blocks being added or pinned, alone and on a
// real in-process Helia node.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { CID } from "multiformats/cid";
import { addPinned, unpin } from "../src/ipfs/api.ts";
import { IdleGarbageCollector } from "../src/ipfs/idleGc.ts";
import { startIpfsNode } from "../src/ipfs/node.ts";
import { tempDir } from "./helpers/nodeProcess.ts";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("idle garbage collection", () => {
  test("a gc asked for during an add runs when the add ends, not before", async () => {
    const events: string[] = [];
    const gc = new IdleGarbageCollector(async () => {
      events.push("gc");
    }, assert.fail);
    const addDone = deferred();
    const adding = gc.guard(async () => {
      events.push("add start");
      await addDone.promise;
      events.push("add end");
    });
    gc.request();
    gc.request(); // coalesced with the first
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, ["add start"]);
    addDone.resolve();
    await adding;
    await gc.settled();
    assert.deepEqual(events, ["add start", "add end", "gc"]);
  });

  test("an add waits for a running gc; with nothing under way a gc starts at once", async () => {
    const events: string[] = [];
    const gcDone = deferred();
    const gc = new IdleGarbageCollector(async () => {
      events.push("gc start");
      await gcDone.promise;
      events.push("gc end");
    }, assert.fail);
    gc.request();
    assert.deepEqual(events, ["gc start"]);
    const adding = gc.guard(async () => {
      events.push("add");
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, ["gc start"]);
    gcDone.resolve();
    await adding;
    assert.deepEqual(events, ["gc start", "gc end", "add"]);
  });

  test("a failed gc is reported and the next request runs again", async () => {
    const errors: string[] = [];
    let runs = 0;
    const gc = new IdleGarbageCollector(
      async () => {
        runs += 1;
        if (runs === 1) throw new Error("disk went away");
      },
      (e) => errors.push(e.message),
    );
    gc.request();
    await gc.settled();
    gc.request();
    await gc.settled();
    assert.equal(runs, 2);
    assert.deepEqual(errors, ["disk went away"]);
  });

  test("on a real node, adds racing unpins keep every block of every pinned file", async () => {
    const dir = await tempDir("idle-gc");
    const node = await startIpfsNode({ dir: dir.path });
    try {
      const kept: CID[] = [];
      const adds = (async () => {
        for (let i = 0; i < 15; i++) kept.push(await addPinned(node, [randomBytes(600 * 1024)]));
      })();
      const churn = (async () => {
        for (let i = 0; i < 15; i++) await unpin(node, await addPinned(node, [randomBytes(1024)]));
      })();
      await Promise.all([adds, churn]);
      await node.gc.settled();
      for (const cid of kept) {
        // Offline read: every block must be on disk, none fetched from anywhere.
        let n = 0;
        for await (const chunk of node.fs.cat(cid, { offline: true })) n += chunk.length;
        assert.equal(n, 600 * 1024, `${cid} is whole`);
      }
    } finally {
      await node.stop();
      await dir.remove();
    }
  });
});
