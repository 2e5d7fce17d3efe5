import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isShaPublished } from "./isShaPublished.ts";
import { consortium } from "./testing.ts";

describe("isShaPublished", () => {
  it("knows the published sha256 values and no others", async () => {
    const { client, registry, published } = await consortium();
    assert.equal(await isShaPublished(client, { registry, sha256: published[0].sha256 }), true);
    assert.equal(await isShaPublished(client, { registry, sha256: `0x${"12".repeat(32)}` }), false);
  });
});
