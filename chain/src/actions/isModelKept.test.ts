import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isModelKept } from "./isModelKept.ts";
import { consortium } from "./testing.ts";

describe("isModelKept", () => {
  it("is true for published models and false for ids never published", async () => {
    const { client, registry } = await consortium();
    assert.equal(await isModelKept(client, { registry, modelId: 1n }), true);
    assert.equal(await isModelKept(client, { registry, modelId: 7n }), false);
  });
});
