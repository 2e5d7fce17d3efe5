import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts, devInstitutions } from "../dev.ts";
import { getMembers } from "./getMembers.ts";
import { consortium } from "./testing.ts";

describe("getMembers", () => {
  it("rebuilds members and their staff from the events", async () => {
    const { client, contracts, fromBlock } = await consortium();
    const members = await getMembers(client, { ...contracts, fromBlock });
    assert.deepEqual(
      members.map((m) => [m.id, m.name]),
      devInstitutions.map((institution, i) => [BigInt(i + 1), institution.name]),
    );
    assert.deepEqual(members[0]?.staff, [devAccounts.publisher.address]);
    assert.deepEqual(members[1]?.staff, [devAccounts.staff.address]);
    assert.ok((members[0]?.admittedAt ?? 0n) > 0n);
  });
});
