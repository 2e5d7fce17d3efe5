import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { getPatientGrant } from "./getPatientGrant.ts";
import { consortium } from "./testing.ts";

describe("getPatientGrant", () => {
  it("reads the grant's expiry and institution, zero where none was made", async () => {
    const { client, registry, grantExpiresAt } = await consortium();
    const patient = devAccounts.patient.address;
    assert.deepEqual(await getPatientGrant(client, { registry, patient, modelId: 1n }), {
      expiresAt: grantExpiresAt,
      institutionId: 2n,
    });
    const none = await getPatientGrant(client, { registry, patient, modelId: 2n });
    assert.equal(none.expiresAt, 0n);
  });
});
