import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getTopTenIds } from "./getTopTenIds.ts";
import { consortium } from "./testing.ts";

describe("getTopTenIds", () => {
  it("lists the ranked ids, best first", async () => {
    const { client, registry } = await consortium();
    assert.deepEqual(await getTopTenIds(client, { registry }), [2n, 1n]);
  });
});
