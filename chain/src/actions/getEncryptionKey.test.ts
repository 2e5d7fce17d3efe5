import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { getEncryptionKey } from "./getEncryptionKey.ts";
import { consortium } from "./testing.ts";

describe("getEncryptionKey", () => {
  it("reads a registered key, and zero for an account without one", async () => {
    const { client, registry, staffKey } = await consortium();
    assert.equal(
      await getEncryptionKey(client, { registry, account: devAccounts.staff.address }),
      staffKey,
    );
    assert.equal(
      await getEncryptionKey(client, { registry, account: devAccounts.nonMember.address }),
      `0x${"0".repeat(64)}`,
    );
  });
});
