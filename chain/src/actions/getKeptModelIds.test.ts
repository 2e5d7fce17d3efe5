import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getKeptModelIds } from "./getKeptModelIds.ts";
import { consortium } from "./testing.ts";

describe("getKeptModelIds", () => {
  it("gives the latest and the ranked ids at one block", async () => {
    const { client, registry, beforePublish } = await consortium();
    assert.deepEqual(await getKeptModelIds(client, { registry }), { latest: 2n, top: [2n, 1n] });
    assert.deepEqual(await getKeptModelIds(client, { registry, blockNumber: beforePublish }), {
      latest: 0n,
      top: [],
    });
  });
});
