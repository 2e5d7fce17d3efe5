import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import {
  ContractFunctionRevertedError,
  encodeErrorResult,
  parseAbi,
  BaseError as ViemBaseError,
} from "viem";
import { parseModelCard } from "../card/parseModelCard.ts";
import type { ModelCard } from "../card/schema.ts";
import { exampleCard } from "../card/testing/exampleCard.ts";
import {
  ContractRevertError,
  InvalidCidError,
  InvalidModelCardError,
  InvalidModelError,
  WeightsAlreadyPublishedError,
} from "../errors.ts";
import { cidFromChain, cidToChain } from "./cid.ts";
import { decodeContractError } from "./contractErrors.ts";
import { checkPublishableCard } from "./publishableCard.ts";
import { publishParamsFromCard, taskIdOf } from "./publishParams.ts";

const WEIGHTS = `0x${"5e".repeat(32)}` as const;

describe("registry CIDs", () => {
  it("round-trips CIDv1 and converts CIDv0", async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode("model")));
    const onChain = cidToChain(cid);
    assert.equal(onChain.codec, 0x55);
    assert.match(onChain.digest, /^0x[0-9a-f]{64}$/);
    assert.equal(cidFromChain(onChain).toString(), cid.toString());
    assert.equal(cidFromChain(cidToChain(cid.toString())).toString(), cid.toString());
    const v0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
    const fromV0 = cidFromChain(cidToChain(v0));
    assert.equal(fromV0.version, 1);
    assert.equal(fromV0.toV0().toString(), v0);
  });

  it("refuses what the registry cannot hold", () => {
    assert.throws(() => cidToChain("not-a-cid"), InvalidCidError);
    assert.throws(
      () => cidToChain(CID.createV1(raw.code, identity.digest(Uint8Array.of(1, 2, 3)))),
      /sha2-256 CIDs only/,
    );
    assert.throws(() => cidFromChain({ digest: "0x1234", codec: 0x55 }), InvalidCidError);
  });

  it("takes only the codecs NeuroLedger writes (raw, dag-pb) and names any other", async () => {
    const digest = await sha256.digest(new TextEncoder().encode("keyring"));
    assert.equal(cidToChain(CID.createV1(0x70, digest)).codec, 0x70);
    for (const [code, name] of [
      [0x71, "dag-cbor (0x71)"],
      [0x0129, "dag-json (0x129)"],
      [0x0200, "json (0x200)"],
      [0x51, "cbor (0x51)"],
      [0x72, "libp2p-key (0x72)"],
      [0x78, "git-raw (0x78)"],
      [0x0202, "car (0x202)"],
      [0x300001, "multicodec 0x300001"],
    ] as const) {
      const cid = CID.createV1(code, digest);
      assert.throws(
        () => cidToChain(cid),
        (err: Error) => {
          assert.ok(err instanceof InvalidCidError);
          assert.ok(err.message.includes(`is ${name}`), err.message);
          assert.match(
            err.message,
            /only what NeuroLedger writes, UnixFS as raw \(0x55\) or dag-pb/,
          );
          return true;
        },
      );
      assert.throws(() => cidToChain(cid.toString()), InvalidCidError, "as a string too");
    }
  });
});

describe("publish parameters", () => {
  it("come from the card: sha256, basis points, task id", async () => {
    const card = parseModelCard(exampleCard());
    const content = CID.createV1(raw.code, await sha256.digest(Uint8Array.of(1)));
    const params = publishParamsFromCard({
      card,
      content,
      keyring: content.toString(),
      parentId: 3n,
      weightsHash: WEIGHTS,
    });
    assert.equal(params.weightsHash, WEIGHTS);
    assert.equal(params.sha256, `0x${"a".repeat(64)}`);
    assert.deepEqual(params.metrics, {
      accuracy: 9000,
      precision: 8800,
      recall: 9200,
      f1: 9000,
      auc: 9500,
      testSetSize: 100,
    });
    // keccak256("brain-tumor-mri/binary"), the value chain/src/constants.ts publishes as TASK_ID.
    assert.equal(
      params.taskId,
      "0xf0ff5539237c38647f7092e868361db915aff583fe104a09366be1d2b4426e38",
    );
    assert.equal(
      taskIdOf("x"),
      "0x7521d1cadbcfa91eec65aa16715b94ffc1c9654ba57ea2ef1a2127bca1127a83",
    );
    assert.equal(params.parentId, 3n);
  });

  it("refuse a card whose test metrics cover no image, and CIDs of a foreign codec", async () => {
    const card = parseModelCard(exampleCard());
    const content = CID.createV1(raw.code, await sha256.digest(Uint8Array.of(1)));
    for (const [n, message] of [
      [0, /metrics\.test\.n = 0 images: .*at least one image/],
      [2 ** 32, /more than the registry holds/],
      [1.5, /metrics\.test\.n = 1\.5 images/],
    ] as const) {
      const bad = withTestSize(card, n);
      assert.throws(
        () => checkPublishableCard(bad),
        (err: Error) => err instanceof InvalidModelCardError && message.test(err.message),
      );
    }
    const one = withTestSize(card, 1);
    checkPublishableCard(one);
    assert.equal(
      publishParamsFromCard({ card: one, content, keyring: content, weightsHash: WEIGHTS }).metrics
        .testSetSize,
      1,
    );
    const cbor = CID.createV1(0x71, content.multihash);
    assert.throws(
      () => publishParamsFromCard({ card, content: cbor, keyring: content, weightsHash: WEIGHTS }),
      /dag-cbor \(0x71\)/,
    );
    assert.throws(
      () => publishParamsFromCard({ card, content, keyring: cbor, weightsHash: WEIGHTS }),
      /dag-cbor \(0x71\)/,
    );
  });

  it("refuse a zero or malformed weights hash", async () => {
    const card = parseModelCard(exampleCard());
    const content = CID.createV1(raw.code, await sha256.digest(Uint8Array.of(1)));
    for (const weightsHash of [`0x${"0".repeat(64)}`, "0x1234", `0x${"g".repeat(64)}`] as const) {
      assert.throws(
        () => publishParamsFromCard({ card, content, keyring: content, weightsHash }),
        (err: Error) =>
          err instanceof InvalidModelError &&
          /weightsHash must be a non-zero bytes32/.test(err.message),
      );
    }
  });
});

describe("contract errors", () => {
  it("decodes a custom error by name with its arguments and a hint", () => {
    const abi = parseAbi([
      "error RegistryDownloadNotAuthorized(address account, uint256 modelId)",
      "function recordDownload(uint256 modelId)",
    ]);
    const data = encodeErrorResult({
      abi,
      errorName: "RegistryDownloadNotAuthorized",
      args: ["0x0000000000000000000000000000000000000001", 7n],
    });
    const viemError = new ViemBaseError("call failed", {
      cause: new ContractFunctionRevertedError({ abi, data, functionName: "recordDownload" }),
    });
    const decoded = decodeContractError(viemError);
    assert.ok(decoded instanceof ContractRevertError);
    assert.equal(decoded.errorName, "RegistryDownloadNotAuthorized");
    assert.deepEqual(decoded.args, ["0x0000000000000000000000000000000000000001", 7n]);
    assert.match(decoded.message, /ask its institution to add it as staff/);
    const other = new Error("network down");
    assert.equal(decodeContractError(other), other);
  });

  it("decodes RegistryWeightsAlreadyPublished into the publisher's own refusal, naming the model", () => {
    const abi = parseAbi([
      "error RegistryWeightsAlreadyPublished(bytes32 weightsHash, uint256 modelId)",
      "function publish(uint256 x)",
    ]);
    const weights = `0x${"ab".repeat(32)}` as const;
    const data = encodeErrorResult({
      abi,
      errorName: "RegistryWeightsAlreadyPublished",
      args: [weights, 4n],
    });
    const viemError = new ViemBaseError("call failed", {
      cause: new ContractFunctionRevertedError({ abi, data, functionName: "publish" }),
    });
    const decoded = decodeContractError(viemError);
    assert.ok(decoded instanceof WeightsAlreadyPublishedError);
    assert.equal(decoded.modelId, 4n);
    assert.equal(decoded.weightsHash, weights);
    assert.equal(decoded.category, "refused");
    assert.equal(
      decoded.shortMessage,
      "these weights are already published as model 4 (ignoring names and metadata)",
    );
  });
});

/** A copy of `card` whose test metrics claim `n` images (edited in place: a spread of the card union loses its version). */
function withTestSize(card: ModelCard, n: number): ModelCard {
  const copy = structuredClone(card);
  copy.metrics.test.n = n;
  return copy;
}
