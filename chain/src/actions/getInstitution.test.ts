import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts, devInstitutions } from "../dev.ts";
import { getInstitution } from "./getInstitution.ts";
import { consortium } from "./testing.ts";

describe("getInstitution", () => {
  it("reads a member's profile; null for id 0 and unknown ids", async () => {
    const { client, contracts } = await consortium();
    const membership = contracts.membership;
    const b = await getInstitution(client, { membership, institutionId: 2n });
    assert.equal(b?.name, devInstitutions[1].name);
    assert.equal(b?.account, devAccounts.institutionB.address);
    assert.equal(await getInstitution(client, { membership, institutionId: 0n }), null);
    assert.equal(await getInstitution(client, { membership, institutionId: 42n }), null);
  });
});
