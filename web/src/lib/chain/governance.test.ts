import { membershipAbi, modelRegistryAbi, PUBLISHER_ROLE } from "@neuroledger/chain";
import { decodeFunctionData } from "viem";
import { describe, expect, it } from "vitest";
import { descriptionHash, encodeProposal } from "./governance.ts";

const contracts = {
  membership: "0x1111111111111111111111111111111111111111",
  governor: "0x2222222222222222222222222222222222222222",
  timelock: "0x3333333333333333333333333333333333333333",
  registry: "0x4444444444444444444444444444444444444444",
} as const;
const candidate = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

describe("encodeProposal", () => {
  it("admits through the membership contract", () => {
    const {
      targets: [target],
      calldatas: [calldata = "0x"],
    } = encodeProposal(contracts, {
      kind: "admit",
      account: candidate,
      name: "Delta",
      metadataURI: "",
    });
    expect(target).toBe(contracts.membership);
    const call = decodeFunctionData({ abi: membershipAbi, data: calldata });
    expect(call.functionName).toBe("admit");
    expect(call.args).toEqual([candidate, "Delta", ""]);
  });
  it("grants roles on the registry with the contract's role id", () => {
    const {
      targets: [target],
      calldatas: [calldata = "0x"],
    } = encodeProposal(contracts, {
      kind: "grant-role",
      role: "publisher",
      account: candidate,
    });
    expect(target).toBe(contracts.registry);
    const call = decodeFunctionData({ abi: modelRegistryAbi, data: calldata });
    expect(call.functionName).toBe("grantRole");
    expect(call.args).toEqual([PUBLISHER_ROLE, candidate]);
  });
  it("hashes the description the way the Governor does (keccak256 of its UTF-8)", () => {
    expect(descriptionHash("")).toBe(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(descriptionHash("Admit Delta")).not.toBe(descriptionHash("Admit Delta "));
  });
});
