import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getModelCount } from "./getModelCount.ts";
import { consortium } from "./testing.ts";

describe("getModelCount", () => {
  it("counts every published model", async () => {
    const { client, registry, beforePublish } = await consortium();
    assert.equal(await getModelCount(client, { registry }), 2n);
    assert.equal(await getModelCount(client, { registry, blockNumber: beforePublish }), 0n);
  });
});
