// Governance adds a task to a consortium deployed before tasks (today's main, 520d290: one
// registry, the Membership's observer; its sources kept in contracts/test/legacy/ModelRegistryV3).
// One proposal upgrades that registry (after OpenZeppelin's storage-layout validation) so that it
// takes membership changes from the observer the Membership names and counts its admins, makes a new TaskDirectory the
// observer, adds the binary task with the existing registry and the type task with a new one, and
// lets the publisher publish there. The existing registry's models, ranking, staff and downloads
// are unchanged; a later admission reaches both registries; the type task ranks on its own.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { upgrades } from "@openzeppelin/hardhat-upgrades/viem";
import hre from "hardhat";
import { type Abi, type Address, encodeFunctionData, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { membershipAbi, modelRegistryAbi, taskDirectoryAbi } from "../../abi/index.ts";
import { TASK, TASK_ID, TYPE_TASK, TYPE_TASK_ID } from "../../src/constants.ts";
import { deployContract, deployProxy, openDeploySession } from "../../src/deploy/deploySession.ts";
import { devAccounts } from "../../src/dev.ts";
import { PUBLISHER_ROLE } from "../../src/roles.ts";
import { publishParams, setUpConsortium } from "../support/consortium.ts";

const legacy = JSON.parse(
  readFileSync(
    join(
      dirname(fileURLToPath(import.meta.url)),
      "../../artifacts/contracts/test/legacy/ModelRegistryV3.sol/ModelRegistryV3.json",
    ),
    "utf8",
  ),
) as { abi: Abi; bytecode: Hex };

describe("governance adds the type task to a consortium deployed before tasks", () => {
  let ctx: Awaited<ReturnType<typeof setUpConsortium>>;
  let registry: Address;
  let typeRegistry: Address;
  let directory: Address;
  const ids: bigint[] = [];
  let before_: {
    top: bigint[];
    latest: bigint;
    next: bigint;
    staff: unknown;
    downloads: number;
    models: unknown[];
  };

  const read = (address: Address, functionName: string, args: unknown[] = []) =>
    ctx.publicClient.readContract({
      address,
      abi: [...modelRegistryAbi, ...taskDirectoryAbi],
      functionName,
      args,
    } as never) as Promise<unknown>;

  const downloads = async (address: Address) =>
    (
      await ctx.publicClient.getContractEvents({
        address,
        abi: modelRegistryAbi,
        eventName: "ModelDownloaded",
        fromBlock: 0n,
      })
    ).length;

  async function binarySnapshot() {
    const top = (await read(registry, "topTenIds")) as bigint[];
    const latest = (await read(registry, "latestModelId")) as bigint;
    return {
      top,
      latest,
      next: (await read(registry, "nextModelId")) as bigint,
      staff: await read(registry, "rolesOf", [devAccounts.staff.address]),
      downloads: await downloads(registry),
      models: await Promise.all([...top, latest].map((id) => read(registry, "getModel", [id]))),
    };
  }

  before(async () => {
    ctx = await setUpConsortium({ registryBytecode: legacy.bytecode });
    registry = ctx.deployment.contracts.registry.address;
    assert.equal(ctx.deployment.contracts.tasks, undefined, "deployed as before tasks");
    for (let i = 0; i < 12; i += 1) {
      const receipt = await ctx.send("publisher", registry, legacy.abi, "publish", [
        publishParams(i === 11 ? 1000 : 5000 + i * 100, 9000),
      ]);
      const [published] = parseEventLogs({
        abi: modelRegistryAbi,
        logs: receipt.logs,
        eventName: "ModelPublished",
      });
      ids.push(published?.args.modelId as bigint);
    }
    await ctx.send("staff", registry, legacy.abi, "recordDownload", [ids[10]]);
    await ctx.send("institutionA", registry, legacy.abi, "recordDownload", [ids[11]]);
    before_ = await binarySnapshot();

    // Anyone may deploy the new contracts: they do nothing until governance adds them.
    const { timelock, membership } = ctx.deployment.contracts;
    const session = await openDeploySession(
      ctx.transport,
      privateKeyToAccount(devAccounts.nonMember.privateKey),
      () => {},
    );
    const api = await upgrades(hre, ctx.connection);
    await api.forceImport(registry, "ModelRegistryV3", { kind: "uups" });
    // Refuses an implementation whose storage layout is incompatible with the proxy's.
    const implementation = (await api.prepareUpgrade(registry, "ModelRegistry", {
      kind: "uups",
    })) as Address;
    typeRegistry = await deployProxy(
      session,
      implementation,
      encodeFunctionData({
        abi: modelRegistryAbi,
        functionName: "initialize",
        args: [timelock, membership, TYPE_TASK_ID, []],
      }),
      "type registry",
    );
    directory = await deployProxy(
      session,
      await deployContract(session, "TaskDirectory"),
      encodeFunctionData({
        abi: taskDirectoryAbi,
        functionName: "initialize",
        args: [timelock, timelock, membership],
      }),
      "task directory",
    );
    const call = (target: Address, abi: Abi, functionName: string, args: unknown[]) => ({
      target,
      data: encodeFunctionData({ abi, functionName, args } as never),
    });
    await ctx.passProposal(
      [
        // The old code did not count its admins: governance states it is the only one (the
        // deployment handed over and renounced; its RoleGranted/RoleRevoked history shows it).
        call(registry, modelRegistryAbi, "upgradeToAndCall", [
          implementation,
          encodeFunctionData({ abi: modelRegistryAbi, functionName: "initializeAdminCount" }),
        ]),
        call(membership, membershipAbi, "setObserver", [directory]),
        call(directory, taskDirectoryAbi, "addTask", [TASK, registry]),
        call(directory, taskDirectoryAbi, "addTask", [TYPE_TASK, typeRegistry]),
        call(typeRegistry, modelRegistryAbi, "grantRole", [
          PUBLISHER_ROLE,
          devAccounts.publisher.address,
        ]),
      ],
      "Add the tumor-type task (brain-tumor-mri/type) with its own registry",
    );
  });

  it("lists both tasks, each with its registry", async () => {
    assert.equal(await read(directory, "taskCount"), 2n);
    assert.deepEqual(await read(directory, "taskAt", [0n]), [TASK_ID, TASK, registry]);
    assert.deepEqual(await read(directory, "taskAt", [1n]), [
      TYPE_TASK_ID,
      TYPE_TASK,
      typeRegistry,
    ]);
    assert.equal(await read(directory, "registryOf", [TYPE_TASK_ID]), typeRegistry);
  });

  it("counts each registry's admins: governance alone", async () => {
    assert.equal(await read(registry, "adminCount"), 1n);
    assert.equal(await read(typeRegistry, "adminCount"), 1n);
  });

  it("keeps the binary registry's models, ranking, staff and downloads", async () => {
    assert.deepEqual(await binarySnapshot(), before_);
    assert.equal(before_.top.length, 10);
    assert.equal(before_.downloads, 2);
  });

  it("knows every member in the new registry, and relays a later admission to both", async () => {
    for (const who of ["institutionA", "institutionB", "institutionC"] as const) {
      const roles = (await read(typeRegistry, "rolesOf", [devAccounts[who].address])) as {
        kind: number;
      };
      assert.equal(roles.kind, 1, `${who} is a member in the type registry`);
    }
    await ctx.passProposal(
      [
        {
          target: ctx.deployment.contracts.membership,
          data: encodeFunctionData({
            abi: membershipAbi,
            functionName: "admit",
            args: [devAccounts.candidate.address, "Delta Hospital", ""],
          }),
        },
      ],
      "Admit Delta Hospital",
    );
    for (const address of [registry, typeRegistry]) {
      const roles = (await read(address, "rolesOf", [devAccounts.candidate.address])) as {
        kind: number;
        institutionId: bigint;
      };
      assert.equal(roles.kind, 1);
      assert.equal(roles.institutionId, 4n);
    }
  });

  it("ranks the type task on its own: publishes there leave the binary task alone", async () => {
    await ctx.send("institutionA", typeRegistry, modelRegistryAbi, "addStaff", [
      devAccounts.publisher.address,
    ]);
    await ctx.send("institutionB", typeRegistry, modelRegistryAbi, "addStaff", [
      devAccounts.staff.address,
    ]);
    for (let i = 0; i < 11; i += 1) {
      const params = { ...publishParams(6000 + i * 100, 9000), taskId: TYPE_TASK_ID };
      await ctx.send("publisher", typeRegistry, modelRegistryAbi, "publish", [params]);
    }
    await ctx.send("staff", typeRegistry, modelRegistryAbi, "recordDownload", [11n]);
    assert.equal(((await read(typeRegistry, "topTenIds")) as bigint[]).length, 10);
    assert.equal(await read(typeRegistry, "latestModelId"), 11n);
    assert.deepEqual(await binarySnapshot(), before_);
    // A binary card cannot go into the type registry.
    await assert.rejects(
      ctx.send("publisher", typeRegistry, modelRegistryAbi, "publish", [publishParams(9000, 9000)]),
    );
  });
});
