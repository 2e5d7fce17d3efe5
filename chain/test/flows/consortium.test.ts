// Whole flows on Hardhat's network, through the real deploy code and the Governor.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { upgrades } from "@openzeppelin/hardhat-upgrades/viem";
import hre from "hardhat";
import { encodeFunctionData, parseEventLogs } from "viem";
import { membershipAbi, modelRegistryAbi } from "../../abi/index.ts";
import { devAccounts } from "../../src/dev.ts";
import { PUBLISHER_ROLE } from "../../src/roles.ts";
import { publishParams, setUpConsortium } from "../support/consortium.ts";

describe("consortium flows", () => {
  let ctx: Awaited<ReturnType<typeof setUpConsortium>>;
  let registry: `0x${string}`;
  let membership: `0x${string}`;

  before(async () => {
    ctx = await setUpConsortium();
    registry = ctx.deployment.contracts.registry.address;
    membership = ctx.deployment.contracts.membership;
  });

  const read = (functionName: string, args: unknown[] = []) =>
    ctx.publicClient.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName,
      args,
    } as never) as Promise<unknown>;

  it("admits an institution through propose, vote, queue and execute", async () => {
    const candidate = devAccounts.candidate.address;
    assert.equal(
      await ctx.publicClient.readContract({
        address: membership,
        abi: membershipAbi,
        functionName: "isMember",
        args: [candidate],
      }),
      false,
    );
    await ctx.passProposal(
      [
        {
          target: membership,
          data: encodeFunctionData({
            abi: membershipAbi,
            functionName: "admit",
            args: [candidate, "Delta Hospital", ""],
          }),
        },
      ],
      "Admit Delta Hospital",
    );
    assert.equal(
      await ctx.publicClient.readContract({
        address: membership,
        abi: membershipAbi,
        functionName: "isMember",
        args: [candidate],
      }),
      true,
    );
    assert.equal(
      await ctx.publicClient.readContract({
        address: membership,
        abi: membershipAbi,
        functionName: "memberCount",
      }),
      4n,
    );
    const roles = (await read("rolesOf", [candidate])) as {
      kind: number;
      institutionActive: boolean;
    };
    assert.equal(roles.kind, 1); // Member, mirrored into the registry
    assert.equal(roles.institutionActive, true);
  });

  it("grants PUBLISHER_ROLE by vote, and only by vote", async () => {
    const account = devAccounts.institutionC.address;
    await assert.rejects(
      ctx.send("institutionA", registry, modelRegistryAbi, "grantRole", [PUBLISHER_ROLE, account]),
      /AccessControlUnauthorizedAccount/,
    );
    await ctx.passProposal(
      [
        {
          target: registry,
          data: encodeFunctionData({
            abi: modelRegistryAbi,
            functionName: "grantRole",
            args: [PUBLISHER_ROLE, account],
          }),
        },
      ],
      "Cedar Clinic may publish",
    );
    assert.equal(await read("hasRole", [PUBLISHER_ROLE, account]), true);
    const receipt = await ctx.send("institutionC", registry, modelRegistryAbi, "publish", [
      publishParams(4000, 4000),
    ]);
    const [published] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelPublished",
    });
    assert.equal(published?.args.publisher, account);
    assert.equal(published?.args.institutionId, 3n);
  });

  it("keeps the top ten across twelve publishes and evicts what leaves it", async () => {
    const evicted: bigint[] = [];
    const ids: bigint[] = [];
    // Ascending F1: every new model ranks first, so from the eleventh on the weakest leaves.
    for (let i = 0; i < 12; i += 1) {
      const receipt = await ctx.send("publisher", registry, modelRegistryAbi, "publish", [
        publishParams(5000 + i * 100, 9000),
      ]);
      const logs = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs });
      for (const log of logs) {
        if (log.eventName === "ModelPublished") {
          ids.push(log.args.modelId);
          assert.equal(log.args.rank, 0);
        }
        if (log.eventName === "ModelEvicted") evicted.push(log.args.modelId);
      }
    }
    const top = (await read("topTenIds")) as bigint[];
    assert.deepEqual(top, [...ids].reverse().slice(0, 10));
    // The model published by the previous test (F1 4000) and the two weakest of the twelve left.
    assert.equal(evicted.length, 3);
    assert.deepEqual(evicted.slice(1), [ids[0], ids[1]]);
    for (const id of evicted) {
      assert.equal(await read("isActive", [id]), false);
      await assert.rejects(read("getModel", [id]), /RegistryModelNotActive/);
    }
    assert.equal(await read("latestModelId"), ids[11]);
  });

  it("lets a patient download until the grant expires", async () => {
    const model = (await read("latestModelId")) as bigint;
    const now = await ctx.time.latest();
    await ctx.send("institutionA", registry, modelRegistryAbi, "grantPatientAccess", [
      devAccounts.patient.address,
      model,
      BigInt(now + 600),
    ]);
    const receipt = await ctx.send("patient", registry, modelRegistryAbi, "recordDownload", [
      model,
    ]);
    const [download] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelDownloaded",
    });
    assert.equal(download?.args.account, devAccounts.patient.address);
    assert.equal(download?.args.kind, 2); // Patient
    await ctx.time.increase(601);
    assert.equal(await read("canDownload", [devAccounts.patient.address, model]), false);
    await assert.rejects(
      ctx.send("patient", registry, modelRegistryAbi, "recordDownload", [model]),
      /RegistryDownloadNotAuthorized/,
    );
  });

  it("upgrades the registry through governance after storage-layout validation, keeping state", async () => {
    const before = (await read("topTenIds")) as bigint[];
    const api = await upgrades(hre, ctx.connection);
    await api.forceImport(registry, "ModelRegistry", { kind: "uups" });
    // Validates the new implementation's storage layout against the proxy's, then deploys it.
    const implementation = (await api.prepareUpgrade(registry, "ModelRegistryV4", {
      kind: "uups",
    })) as `0x${string}`;
    await ctx.passProposal(
      [
        {
          target: registry,
          data: encodeFunctionData({
            abi: modelRegistryAbi,
            functionName: "upgradeToAndCall",
            args: [implementation, "0x"],
          }),
        },
      ],
      "Upgrade the registry to V3",
    );
    assert.equal(await read("version"), "4");
    assert.deepEqual(await read("topTenIds"), before);
    assert.equal(await read("hasRole", [PUBLISHER_ROLE, devAccounts.publisher.address]), true);
  });

  it("rejects an upgrade whose storage layout does not match", async () => {
    const api = await upgrades(hre, ctx.connection);
    await api.forceImport(registry, "ModelRegistry", { kind: "uups" });
    // Membership lacks the registry's namespaced storage: the validation must refuse it.
    await assert.rejects(
      api.validateUpgrade(registry, "Membership", { kind: "uups" }),
      /incompatible[\s\S]*Deleted namespace `erc7201:neuroledger\.storage\.ModelRegistry`/,
    );
  });

  it("refuses a direct upgrade by anyone but the timelock", async () => {
    const api = await upgrades(hre, ctx.connection);
    const implementation = (await api.deployImplementation("ModelRegistryV4", {
      kind: "uups",
    })) as `0x${string}`;
    for (const who of ["deployer", "institutionA", "publisher"] as const) {
      await assert.rejects(
        ctx.send(who, registry, modelRegistryAbi, "upgradeToAndCall", [implementation, "0x"]),
        /AccessControlUnauthorizedAccount/,
      );
    }
  });
});
