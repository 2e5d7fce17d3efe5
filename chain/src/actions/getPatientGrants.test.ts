import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { getPatientGrants } from "./getPatientGrants.ts";
import { consortium } from "./testing.ts";

describe("getPatientGrants", () => {
  it("lists a patient's grants from the events, active until they expire", async () => {
    const { client, registry, fromBlock, grantExpiresAt } = await consortium();
    const patient = devAccounts.patient.address;
    assert.deepEqual(await getPatientGrants(client, { registry, patient, fromBlock }), [
      { modelId: 1n, institutionId: 2n, expiresAt: grantExpiresAt, active: true },
    ]);
    const later = await getPatientGrants(client, {
      registry,
      patient,
      fromBlock,
      now: grantExpiresAt,
    });
    assert.equal(later[0]?.active, false);
    assert.deepEqual(
      await getPatientGrants(client, { registry, patient: devAccounts.staff.address, fromBlock }),
      [],
    );
  });
});
