import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256, toHex } from "viem";
import { devAccounts } from "../dev.ts";
import { getEvaluations } from "./getEvaluations.ts";
import { evaluatedConsortium } from "./testing.ts";

describe("getEvaluations", () => {
  it("lists each institution's latest submission with its evaluator, fingerprint and count", async () => {
    const { client, registry, modelId, fromBlock, submitted } = await evaluatedConsortium();
    const listed = await getEvaluations(client, { registry, modelId, fromBlock });
    assert.deepEqual(
      listed.map((e) => [e.institutionId, e.evaluator, e.publisherSite, e.submissions]),
      [
        [1n, devAccounts.institutionA.address, true, 1],
        [2n, devAccounts.staff.address, false, 2],
        [3n, devAccounts.institutionC.address, false, 1],
      ],
    );
    const atB = listed[1];
    assert.equal(atB?.fingerprint, sha256(toHex("borealis-scans-2026")));
    assert.equal(atB?.txHash, submitted.atB.hash);
    assert.equal(atB?.blockNumber, submitted.atB.receipt.blockNumber);
    assert.equal(atB?.accuracy, 0.55);
    assert.equal(atB?.codeVersion, "0.1.0");
    assert.deepEqual(await getEvaluations(client, { registry, modelId: 2n, fromBlock }), []);
  });
});
