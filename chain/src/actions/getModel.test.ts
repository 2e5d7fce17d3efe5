import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getModel } from "./getModel.ts";
import { consortium } from "./testing.ts";

describe("getModel", () => {
  it("reads a kept model's record as published, and reverts for an unknown id", async () => {
    const { client, registry, published } = await consortium();
    const model = await getModel(client, { registry, modelId: 2n });
    assert.equal(model.id, 2n);
    assert.equal(model.sha256, published[1].sha256);
    assert.equal(model.metrics.f1, 9500);
    assert.equal(model.parentId, 1n);
    assert.equal(model.cardHash, published[1].cardHash);
    await assert.rejects(getModel(client, { registry, modelId: 99n }));
  });
});
