import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getTopTen } from "./getTopTen.ts";
import { consortium } from "./testing.ts";

describe("getTopTen", () => {
  it("ranks by F1, best first, with the records", async () => {
    const { client, registry } = await consortium();
    const top = await getTopTen(client, { registry });
    assert.deepEqual(
      top.map((m) => [m.id, m.metrics.f1]),
      [
        [2n, 9500],
        [1n, 9000],
      ],
    );
  });
});
