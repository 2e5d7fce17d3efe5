// A registry deployed from the pre-v2 sources (commit 09aafdf, kept in contracts/test/legacy)
// is filled, then upgraded to today's ModelRegistry (v3, with initializeV3) through governance after OpenZeppelin's
// storage-layout validation: models, ranking, staff, grants, keys and the download history stay;
// pre-upgrade models read with a zero card hash (readers treat their card as unverified).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { upgrades } from "@openzeppelin/hardhat-upgrades/viem";
import hre from "hardhat";
import { type Abi, encodeFunctionData, type Hex, keccak256, parseEventLogs, toHex } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";
import { CID_CODEC } from "../../src/constants.ts";
import { devAccounts } from "../../src/dev.ts";
import { publishParams, setUpConsortium } from "../support/consortium.ts";

const legacy = JSON.parse(
  readFileSync(
    join(
      dirname(fileURLToPath(import.meta.url)),
      "../../artifacts/contracts/test/legacy/ModelRegistryV1.sol/ModelRegistryV1.json",
    ),
    "utf8",
  ),
) as { abi: Abi; bytecode: Hex };

const ZERO = `0x${"0".repeat(64)}`;
const cid = (label: string) => ({ digest: keccak256(toHex(label)), codec: CID_CODEC.raw });

describe("upgrade of a pre-v2 registry", () => {
  let ctx: Awaited<ReturnType<typeof setUpConsortium>>;
  let registry: `0x${string}`;
  const ids: bigint[] = [];
  let before_: { top: bigint[]; latest: bigint; downloads: number };

  const read = (functionName: string, args: unknown[] = []) =>
    ctx.publicClient.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName,
      args,
    } as never) as Promise<unknown>;

  before(async () => {
    ctx = await setUpConsortium({ registryBytecode: legacy.bytecode });
    registry = ctx.deployment.contracts.registry.address;
    // Fill it through the old ABI: twelve publishes (evictions), downloads, a grant, a key.
    for (let i = 0; i < 12; i += 1) {
      const { cardHash: _none, weightsHash: _v3Only, ...old } = publishParams(5000 + i * 100, 9000);
      const receipt = await ctx.send("publisher", registry, legacy.abi, "publish", [old]);
      const [published] = parseEventLogs({
        abi: modelRegistryAbi,
        logs: receipt.logs,
        eventName: "ModelPublished",
      });
      ids.push(published?.args.modelId as bigint);
    }
    const latest = ids[11] as bigint;
    await ctx.send("staff", registry, legacy.abi, "recordDownload", [latest]);
    await ctx.send("institutionA", registry, legacy.abi, "grantPatientAccess", [
      devAccounts.patient.address,
      latest,
      BigInt((await ctx.time.latest()) + 86_400),
    ]);
    await ctx.send("patient", registry, legacy.abi, "recordDownload", [latest]);
    await ctx.send("staff", registry, legacy.abi, "setEncryptionKey", [keccak256(toHex("key"))]);
    before_ = {
      top: (await read("topTenIds")) as bigint[],
      latest: (await read("latestModelId")) as bigint,
      downloads: 2,
    };

    const api = await upgrades(hre, ctx.connection);
    await api.forceImport(registry, "ModelRegistryV1", { kind: "uups" });
    // Refuses to deploy an implementation whose storage layout is incompatible with the proxy's.
    const implementation = (await api.prepareUpgrade(registry, "ModelRegistry", {
      kind: "uups",
    })) as `0x${string}`;
    await ctx.passProposal(
      [
        {
          target: registry,
          data: encodeFunctionData({
            abi: modelRegistryAbi,
            functionName: "upgradeToAndCall",
            // v3 needs its one-time initializer (standings of the kept models).
            args: [
              implementation,
              encodeFunctionData({ abi: modelRegistryAbi, functionName: "initializeV3" }),
            ],
          }),
        },
      ],
      "Upgrade the registry to v2 (card binding, keepers, content-key rotation)",
    );
  });

  it("keeps models, ranking, staff, grants, keys and the download history", async () => {
    assert.equal(await read("version"), "3");
    assert.deepEqual(await read("topTenIds"), before_.top);
    assert.equal(await read("latestModelId"), before_.latest);
    assert.deepEqual(before_.top, [...ids].reverse().slice(0, 10));
    const model = (await read("getModel", [before_.latest])) as {
      metrics: { f1: number };
      cardHash: string;
      contentVersion: number;
      previousKeyring: { digest: string };
    };
    assert.equal(model.metrics.f1, 5000 + 11 * 100);
    assert.equal(model.cardHash, ZERO); // published before card hashes: unverified card
    assert.equal(model.contentVersion, 1);
    assert.equal(model.previousKeyring.digest, ZERO);
    assert.equal(await read("canDownload", [devAccounts.patient.address, before_.latest]), true);
    assert.equal(await read("canDownload", [devAccounts.staff.address, before_.latest]), true);
    assert.equal(
      await read("encryptionKeyOf", [devAccounts.staff.address]),
      keccak256(toHex("key")),
    );
    const downloads = await ctx.publicClient.getContractEvents({
      address: registry,
      abi: modelRegistryAbi,
      eventName: "ModelDownloaded",
      fromBlock: 0n,
    });
    assert.equal(downloads.length, before_.downloads);
    await ctx.send("staff", registry, modelRegistryAbi, "recordDownload", [before_.latest]);
  });

  it("applies the v2 rules to pre-upgrade models and binds the card of new ones", async () => {
    const legacyModel = before_.latest;
    await assert.rejects(
      ctx.send("staff", registry, modelRegistryAbi, "updateKeyring", [legacyModel, cid("forged")]),
      /failed|RegistryNotKeyringUpdater/,
    );
    await ctx.send("institutionA", registry, modelRegistryAbi, "updateKeyring", [
      legacyModel,
      cid("rewrapped"),
    ]);
    await ctx.send("publisher", registry, modelRegistryAbi, "rotateContentKey", [
      legacyModel,
      { digest: keccak256(toHex("rotated")), codec: CID_CODEC.dagPb },
      cid("rotated-keyring"),
    ]);
    const rotated = (await read("getModel", [legacyModel])) as { contentVersion: number };
    assert.equal(rotated.contentVersion, 2);

    const params = publishParams(9900, 9900);
    const receipt = await ctx.send("publisher", registry, modelRegistryAbi, "publish", [params]);
    const [bound] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelCardBound",
    });
    assert.equal(bound?.args.cardHash, params.cardHash);
    assert.equal(await read("cardHashOf", [bound?.args.modelId]), params.cardHash);
    assert.equal(((await read("topTenIds")) as bigint[])[0], bound?.args.modelId);
  });
});
