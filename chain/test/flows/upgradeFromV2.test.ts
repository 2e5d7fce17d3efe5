// A registry deployed from the v2 sources (commit 7224ca5, kept in contracts/test/legacy) is
// filled, then upgraded to today's ModelRegistry (v3: members' evaluations, ranking by measured
// score) through governance after OpenZeppelin's storage-layout validation, calling
// `initializeV3` in the same transaction: models, card hashes, ranking, staff, grants and the
// download history stay; every kept model starts unverified, scored by its claim; evaluations
// then re-rank it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { upgrades } from "@openzeppelin/hardhat-upgrades/viem";
import hre from "hardhat";
import { type Abi, encodeFunctionData, type Hex, parseEventLogs, sha256, toHex } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";
import { getPublishVersion } from "../../src/actions/getPublishVersion.ts";
import { publishParams, setUpConsortium } from "../support/consortium.ts";

const legacy = JSON.parse(
  readFileSync(
    join(
      dirname(fileURLToPath(import.meta.url)),
      "../../artifacts/contracts/test/legacy/ModelRegistryV2.sol/ModelRegistryV2.json",
    ),
    "utf8",
  ),
) as { abi: Abi; bytecode: Hex };

/** A coherent evaluation on 100 + 100 images: precision = recall = f1, accuracy = (f1 + spec) / 2. */
function evaluation(f1: number, specificity: number, label: string) {
  return {
    accuracy: (f1 + specificity) / 2,
    precision: f1,
    recall: f1,
    specificity,
    f1,
    auc: 9000,
    positives: 100,
    negatives: 100,
    fingerprint: sha256(toHex(label)),
    codeVersion: 0x000100,
    cardVersion: 2,
  };
}

describe("upgrade of a v2 registry to v3", () => {
  let ctx: Awaited<ReturnType<typeof setUpConsortium>>;
  let registry: `0x${string}`;
  const ids: bigint[] = [];
  const cardHashes: Hex[] = [];
  let before_: { top: bigint[]; latest: bigint };

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
    // Eleven ranked-then-evicting publishes and a weak latest that does not rank.
    for (let i = 0; i < 12; i += 1) {
      const { weightsHash: _v3Only, ...params } = publishParams(
        i === 11 ? 1000 : 5000 + i * 100,
        9000,
      );
      const receipt = await ctx.send("publisher", registry, legacy.abi, "publish", [params]);
      const [published] = parseEventLogs({
        abi: modelRegistryAbi,
        logs: receipt.logs,
        eventName: "ModelPublished",
      });
      ids.push(published?.args.modelId as bigint);
      cardHashes.push(params.cardHash);
    }
    await ctx.send("staff", registry, legacy.abi, "recordDownload", [ids[10]]);
    before_ = {
      top: (await read("topTenIds")) as bigint[],
      latest: (await read("latestModelId")) as bigint,
    };

    const api = await upgrades(hre, ctx.connection);
    await api.forceImport(registry, "ModelRegistryV2", { kind: "uups" });
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
            args: [
              implementation,
              encodeFunctionData({ abi: modelRegistryAbi, functionName: "initializeV3" }),
            ],
          }),
        },
      ],
      "Upgrade the registry to v3 (members' evaluations)",
    );
  });

  it("keeps models, card hashes, ranking and downloads; every model starts unverified", async () => {
    assert.equal(await read("version"), "3");
    assert.deepEqual(await read("topTenIds"), before_.top);
    assert.equal(await read("latestModelId"), before_.latest);
    assert.equal(before_.latest, ids[11]);
    assert.equal(await read("cardHashOf", [ids[10]]), cardHashes[10]);
    assert.equal(await read("evaluationQuorum"), 1n);
    for (const id of [...before_.top, before_.latest]) {
      const score = (await read("scoreOf", [id])) as { f1: number; verified: boolean };
      const model = (await read("getModel", [id])) as { metrics: { f1: number } };
      assert.equal(score.f1, model.metrics.f1);
      assert.equal(score.verified, false);
    }
    const downloads = await ctx.publicClient.getContractEvents({
      address: registry,
      abi: modelRegistryAbi,
      eventName: "ModelDownloaded",
      fromBlock: 0n,
    });
    assert.equal(downloads.length, 1);
    await assert.rejects(
      ctx.send("institutionA", registry, modelRegistryAbi, "initializeV3", []),
      /failed|InvalidInitialization|revert/,
    );
  });

  it("re-ranks a pre-upgrade model on a member's evaluation", async () => {
    const best = before_.top[0] as bigint;
    await ctx.send("staff", registry, modelRegistryAbi, "submitEvaluation", [
      best,
      evaluation(2000, 8000, "borealis-set"),
    ]);
    const top = (await read("topTenIds")) as bigint[];
    // Measured at 0.20 it falls to the last place (the unranked latest claims only 0.10).
    assert.equal(top[9], best);
    assert.equal(top[0], before_.top[1]);
    const score = (await read("scoreOf", [best])) as { f1: number; verified: boolean };
    assert.equal(score.f1, 2000);
    assert.equal(score.verified, true);
    assert.equal(
      ((await read("evaluationOf", [best, 2n])) as { publisherSite: boolean }).publisherSite,
      false,
    );
  });

  it("publishes each network's weights once after the upgrade (pre-upgrade models have none)", async () => {
    const params = publishParams(3000, 3000);
    assert.equal(await read("modelIdByWeights", [params.weightsHash]), 0n);
    const receipt = await ctx.send("publisher", registry, modelRegistryAbi, "publish", [params]);
    const [published] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelPublished",
    });
    const id = published?.args.modelId as bigint;
    assert.equal(await read("modelIdByWeights", [params.weightsHash]), id);
    // Readers tell a model published before weights hashes from one published after.
    const versionOf = (modelId: bigint) =>
      getPublishVersion(ctx.publicClient, { registry, modelId, fromBlock: 0n });
    assert.equal(await versionOf(ids[10] as bigint), 2);
    assert.equal(await versionOf(id), 3);
    const copy = { ...publishParams(9900, 9900), weightsHash: params.weightsHash };
    await assert.rejects(
      ctx.send("publisher", registry, modelRegistryAbi, "publish", [copy]),
      /RegistryWeightsAlreadyPublished/,
    );
  });
});
