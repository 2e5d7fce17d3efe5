import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getMemberCount } from "./getMemberCount.ts";
import { consortium } from "./testing.ts";

describe("getMemberCount", () => {
  it("counts the dev consortium's three members", async () => {
    const { client, contracts } = await consortium();
    assert.equal(await getMemberCount(client, { membership: contracts.membership }), 3n);
  });
});
