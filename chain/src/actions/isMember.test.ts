import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { isMember } from "./isMember.ts";
import { consortium } from "./testing.ts";

describe("isMember", () => {
  it("is true for institutions' own accounts only", async () => {
    const { client, contracts } = await consortium();
    const membership = contracts.membership;
    assert.equal(
      await isMember(client, { membership, account: devAccounts.institutionC.address }),
      true,
    );
    assert.equal(await isMember(client, { membership, account: devAccounts.staff.address }), false);
  });
});
