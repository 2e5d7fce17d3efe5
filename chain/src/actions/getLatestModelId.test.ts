import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getLatestModelId } from "./getLatestModelId.ts";
import { consortium } from "./testing.ts";

describe("getLatestModelId", () => {
  it("is the last published model, and 0 before the first publish", async () => {
    const { client, registry, beforePublish } = await consortium();
    assert.equal(await getLatestModelId(client, { registry }), 2n);
    assert.equal(await getLatestModelId(client, { registry, blockNumber: beforePublish }), 0n);
  });
});
