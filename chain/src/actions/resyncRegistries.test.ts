import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Abi, encodeFunctionData } from "viem";
import { membershipAbi, modelRegistryAbi } from "../../abi/index.ts";
import { setUpConsortium } from "../../test/support/consortium.ts";
import { TYPE_TASK } from "../constants.ts";
import { devAccounts } from "../dev.ts";
import { taskRegistry } from "../readDeployment.ts";
import { getRemovals, resyncCall } from "./resyncRegistries.ts";

describe("getRemovals and resyncCall", () => {
  it("bring a registry that missed a removal and an admission back in step with the Membership", async () => {
    const ctx = await setUpConsortium();
    const { membership, registry, taskDirectory } = ctx.deployment.contracts;
    assert.ok(taskDirectory, "the dev deployment has a TaskDirectory");
    const typeRegistry = taskRegistry(ctx.deployment, TYPE_TASK).address;
    const membershipCall = (functionName: string, args: unknown[]) => ({
      target: membership,
      data: encodeFunctionData({ abi: membershipAbi as Abi, functionName, args }),
    });
    // For one proposal the type registry is the observer (as before tasks): the binary registry
    // misses Cedar's removal and Delta's admission.
    await ctx.passProposal(
      [
        membershipCall("setObserver", [typeRegistry]),
        membershipCall("remove", [3n]),
        membershipCall("admit", [devAccounts.candidate.address, "Delta Hospital", ""]),
        membershipCall("setObserver", [taskDirectory.address]),
      ],
      "Observer elsewhere and back",
    );
    const roles = (account: `0x${string}`) =>
      ctx.publicClient.readContract({
        address: registry.address,
        abi: modelRegistryAbi,
        functionName: "rolesOf",
        args: [account],
      });
    assert.equal(
      (await roles(devAccounts.institutionC.address)).kind,
      1,
      "Cedar still a member there",
    );
    assert.equal((await roles(devAccounts.candidate.address)).kind, 0, "Delta unknown there");

    const removed = await getRemovals(ctx.publicClient, {
      membership,
      fromBlock: BigInt(ctx.deployment.deployBlock),
    });
    assert.deepEqual(removed, [{ institutionId: 3n, account: devAccounts.institutionC.address }]);
    const call = resyncCall({ taskDirectory: taskDirectory.address, removed });
    assert.equal(call.functionName, "resync");
    await ctx.send("nonMember", call.address, call.abi as Abi, call.functionName, [...call.args]);

    assert.equal((await roles(devAccounts.institutionC.address)).kind, 0, "Cedar removed");
    const delta = await roles(devAccounts.candidate.address);
    assert.deepEqual([delta.kind, delta.institutionId], [1, 4n], "Delta a member, id 4");
  });
});
