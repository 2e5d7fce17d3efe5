import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { canDownload } from "./canDownload.ts";
import { consortium } from "./testing.ts";

describe("canDownload", () => {
  it("allows staff and granted patients, refuses outsiders and ungranted models", async () => {
    const { client, registry } = await consortium();
    const may = (account: `0x${string}`, modelId: bigint) =>
      canDownload(client, { registry, account, modelId });
    assert.equal(await may(devAccounts.staff.address, 2n), true);
    assert.equal(await may(devAccounts.patient.address, 1n), true);
    assert.equal(await may(devAccounts.patient.address, 2n), false);
    assert.equal(await may(devAccounts.nonMember.address, 1n), false);
  });
});
