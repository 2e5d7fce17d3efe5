import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getEvaluation } from "./getEvaluation.ts";
import { evaluatedConsortium } from "./testing.ts";

describe("getEvaluation", () => {
  it("reads an institution's current evaluation, and null where it made none", async () => {
    const { client, registry, modelId, time } = await evaluatedConsortium();
    // B's second submission (tp 40, fn 80, tn 70, fp 10) replaced its first.
    const record = await getEvaluation(client, { registry, modelId, institutionId: 2n });
    assert.ok(record);
    assert.equal(record.institutionId, 2n);
    assert.equal(record.accuracy, 0.55);
    assert.equal(record.recall, Math.round((40 / 120) * 10_000) / 10_000);
    assert.equal(record.specificity, 0.875);
    assert.equal(record.positives, 120);
    assert.equal(record.negatives, 80);
    assert.equal(record.codeVersion, "0.1.0");
    assert.equal(record.cardVersion, 2);
    assert.equal(record.publisherSite, false);
    assert.ok(record.evaluatedAt > 0 && record.evaluatedAt <= (await time.latest()));
    const own = await getEvaluation(client, { registry, modelId, institutionId: 1n });
    assert.equal(own?.publisherSite, true);
    assert.equal(await getEvaluation(client, { registry, modelId: 2n, institutionId: 2n }), null);
  });
});
