import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getPublishVersion } from "./getPublishVersion.ts";
import { consortium } from "./testing.ts";

describe("getPublishVersion", () => {
  it("names the registry version that published each model, undefined for none", async () => {
    const { client, registry, fromBlock } = await consortium();
    assert.equal(await getPublishVersion(client, { registry, modelId: 1n, fromBlock }), 3);
    assert.equal(await getPublishVersion(client, { registry, modelId: 2n, fromBlock }), 3);
    assert.equal(await getPublishVersion(client, { registry, modelId: 99n, fromBlock }), undefined);
  });
});
