import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getModelIdBySha } from "./getModelIdBySha.ts";
import { consortium } from "./testing.ts";

describe("getModelIdBySha", () => {
  it("finds the id a sha256 was published under, in any letter case", async () => {
    const { client, registry, published, fromBlock } = await consortium();
    const sha256 = published[1].sha256.toUpperCase().replace("0X", "0x") as `0x${string}`;
    assert.equal(await getModelIdBySha(client, { registry, sha256, fromBlock }), 2n);
    assert.equal(
      await getModelIdBySha(client, { registry, sha256: `0x${"34".repeat(32)}`, fromBlock }),
      undefined,
    );
  });
});
