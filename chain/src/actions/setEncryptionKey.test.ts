import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAccounts } from "../dev.ts";
import { getEncryptionKey } from "./getEncryptionKey.ts";
import { setEncryptionKeyCall } from "./setEncryptionKey.ts";
import { consortium } from "./testing.ts";

describe("setEncryptionKeyCall", () => {
  it("is a call a wallet sends to register its key", async () => {
    const { client, registry, send } = await consortium();
    const publicKey = `0x${"cd".repeat(32)}` as const;
    const call = setEncryptionKeyCall({ registry, publicKey });
    await send("patient", call.address, call.abi, call.functionName, [...call.args]);
    assert.equal(
      await getEncryptionKey(client, { registry, account: devAccounts.patient.address }),
      publicKey,
    );
  });
});
