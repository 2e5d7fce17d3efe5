import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { ACCOUNT_KINDS, getAccountRoles } from "./getAccountRoles.ts";
import { consortium } from "./testing.ts";

describe("getAccountRoles", () => {
  it("says what each dev account is to the registry", async () => {
    const { client, registry } = await consortium();
    const publisher = await getAccountRoles(client, {
      registry,
      account: devAccounts.publisher.address,
    });
    assert.equal(ACCOUNT_KINDS[publisher.kind], "staff");
    assert.equal(publisher.publisher, true);
    assert.equal(publisher.institutionId, 1n);
    const member = await getAccountRoles(client, {
      registry,
      account: devAccounts.institutionB.address,
    });
    assert.equal(ACCOUNT_KINDS[member.kind], "member");
    assert.equal(member.institutionActive, true);
    const auditor = await getAccountRoles(client, {
      registry,
      account: devAccounts.auditor.address,
    });
    assert.equal(auditor.auditor, true);
    const outsider = await getAccountRoles(client, {
      registry,
      account: devAccounts.nonMember.address,
    });
    assert.equal(ACCOUNT_KINDS[outsider.kind], "none");
    assert.equal(outsider.publisher, false);
  });
});
