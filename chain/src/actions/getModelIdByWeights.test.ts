import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getModelIdByWeights } from "./getModelIdByWeights.ts";
import { consortium } from "./testing.ts";

describe("getModelIdByWeights", () => {
  it("maps each published weights hash to its model id, and anything else to 0", async () => {
    const { client, registry, published, beforePublish } = await consortium();
    assert.equal(
      await getModelIdByWeights(client, { registry, weightsHash: published[0].weightsHash }),
      1n,
    );
    assert.equal(
      await getModelIdByWeights(client, { registry, weightsHash: published[1].weightsHash }),
      2n,
    );
    assert.equal(
      await getModelIdByWeights(client, { registry, weightsHash: published[1].sha256 }),
      0n,
    );
    assert.equal(
      await getModelIdByWeights(client, {
        registry,
        weightsHash: published[1].weightsHash,
        blockNumber: beforePublish,
      }),
      0n,
    );
  });
});
