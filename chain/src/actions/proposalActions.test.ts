import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeFunctionData } from "viem";
import { membershipAbi, modelRegistryAbi } from "../../abi/index.ts";
import { GUARDIAN_ROLE, PUBLISHER_ROLE } from "../roles.ts";
import { describeProposal, encodeProposal } from "./proposalActions.ts";

const contracts = {
  membership: "0x1111111111111111111111111111111111111111",
  registry: "0x4444444444444444444444444444444444444444",
} as const;
const candidate = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

describe("encodeProposal", () => {
  it("admits and removes through the membership contract", () => {
    const admit = encodeProposal(contracts, { kind: "admit", account: candidate, name: "Delta" });
    assert.deepEqual(admit.targets, [contracts.membership]);
    assert.deepEqual(admit.values, [0n]);
    const call = decodeFunctionData({ abi: membershipAbi, data: admit.calldatas[0] ?? "0x" });
    assert.equal(call.functionName, "admit");
    assert.deepEqual(call.args, [candidate, "Delta", ""]);
    const remove = encodeProposal(contracts, { kind: "remove", institutionId: 3n });
    const removed = decodeFunctionData({ abi: membershipAbi, data: remove.calldatas[0] ?? "0x" });
    assert.equal(removed.functionName, "remove");
    assert.deepEqual(removed.args, [3n]);
  });

  it("grants and revokes roles on the registry with the contract's role ids", () => {
    for (const [kind, functionName] of [
      ["grant-role", "grantRole"],
      ["revoke-role", "revokeRole"],
    ] as const) {
      const encoded = encodeProposal(contracts, { kind, role: "publisher", account: candidate });
      assert.deepEqual(encoded.targets, [contracts.registry]);
      const call = decodeFunctionData({
        abi: modelRegistryAbi,
        data: encoded.calldatas[0] ?? "0x",
      });
      assert.equal(call.functionName, functionName);
      assert.deepEqual(call.args, [PUBLISHER_ROLE, candidate]);
    }
    const guardian = encodeProposal(contracts, {
      kind: "grant-role",
      role: "guardian",
      account: candidate,
    });
    const call = decodeFunctionData({ abi: modelRegistryAbi, data: guardian.calldatas[0] ?? "0x" });
    assert.deepEqual(call.args, [GUARDIAN_ROLE, candidate]);
  });
});

describe("describeProposal", () => {
  it("titles every kind in one line", () => {
    assert.equal(
      describeProposal({ kind: "admit", account: candidate, name: "Delta" }),
      `Admit Delta (${candidate})`,
    );
    assert.equal(describeProposal({ kind: "remove", institutionId: 3n }), "Remove institution 3");
    assert.equal(
      describeProposal({ kind: "remove", institutionId: 3n }, { institutionName: "Cedar Clinic" }),
      "Remove Cedar Clinic (institution 3)",
    );
    assert.equal(
      describeProposal({ kind: "grant-role", role: "auditor", account: candidate }),
      `Grant auditor role to ${candidate}`,
    );
    assert.equal(
      describeProposal({ kind: "revoke-role", role: "publisher", account: candidate }),
      `Revoke publisher role from ${candidate}`,
    );
  });
});
