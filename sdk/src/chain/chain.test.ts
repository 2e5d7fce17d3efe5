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
import { exampleCard } from "../card/testing/exampleCard.ts";
import { ContractRevertError, InvalidCidError } from "../errors.ts";
import { cidFromChain, cidToChain } from "./cid.ts";
import { decodeContractError } from "./contractErrors.ts";
import { publishParamsFromCard, taskIdOf } from "./publishParams.ts";

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
    });
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
});
