import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { submitEvaluation } from "./submitEvaluation.ts";
import { evaluatedConsortium, evaluationFigures } from "./testing.ts";

describe("submitEvaluation", () => {
  it("reports what the registry did: publisher site, replacement, score and rank", async () => {
    const { submitted } = await evaluatedConsortium();
    assert.equal(submitted.own.publisherSite, true);
    assert.equal(submitted.own.score.verified, false);
    assert.equal(submitted.own.receipt.status, "success");
    assert.equal(submitted.firstAtB.institutionId, 2n);
    assert.equal(submitted.firstAtB.replaced, false);
    assert.equal(submitted.atB.replaced, true);
    assert.equal(submitted.atB.score.verified, true);
    assert.equal(submitted.atB.rank, 0);
    assert.deepEqual(submitted.atB.evicted, []);
    assert.equal(submitted.atC.score.independentEvaluations, 2);
    assert.equal(submitted.atC.score.f1, Math.round((80 / 170) * 10_000) / 10_000);
  });

  it("refuses outsiders, incoherent figures and bad fields with the reason", async () => {
    const { registry, modelId, wallet } = await evaluatedConsortium();
    const figures = evaluationFigures(50, 50, 50, 50, "x");
    await assert.rejects(
      submitEvaluation(wallet("nonMember"), { registry, modelId, evaluation: figures }),
      /RegistryEvaluatorWithoutInstitution/,
    );
    await assert.rejects(
      submitEvaluation(wallet("institutionB"), {
        registry,
        modelId,
        evaluation: { ...figures, accuracy: 0.99 },
      }),
      /RegistryEvaluationAccuracyInconsistent/,
    );
    await assert.rejects(
      submitEvaluation(wallet("institutionB"), {
        registry,
        modelId,
        evaluation: { ...figures, fingerprint: `0x${"00".repeat(32)}` },
      }),
      /fingerprint must be 32 non-zero bytes/,
    );
  });
});
