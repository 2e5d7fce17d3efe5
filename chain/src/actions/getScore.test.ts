import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getScore } from "./getScore.ts";
import { consortium, evaluatedConsortium } from "./testing.ts";

describe("getScore", () => {
  it("gives the claim until members measure, then the worst independent site, and reverts for an unknown model", async () => {
    const shared = await consortium();
    const claimed = await getScore(shared.client, { registry: shared.registry, modelId: 2n });
    assert.deepEqual(claimed, {
      f1: 0.95,
      accuracy: 0.92,
      verified: false,
      independentEvaluations: 0,
      quorum: claimed.quorum,
      worstInstitutionId: null,
    });
    assert.ok(claimed.quorum >= 1);
    await assert.rejects(getScore(shared.client, { registry: shared.registry, modelId: 99n }));

    const { client, registry, modelId } = await evaluatedConsortium();
    const measured = await getScore(client, { registry, modelId });
    assert.equal(measured.verified, true);
    assert.equal(measured.independentEvaluations, 2);
    // B (institution 2) is the worst site: tp 40, fn 80, fp 10 -> F1 = 80 / 170.
    assert.equal(measured.worstInstitutionId, 2n);
    assert.equal(measured.f1, Math.round((80 / 170) * 10_000) / 10_000);
    assert.equal(measured.accuracy, 0.55);
  });
});
