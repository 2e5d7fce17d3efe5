import type { CID } from "multiformats/cid";
import { keccak256, stringToBytes } from "viem";
import { cardHash } from "../card/cardHash.ts";
import type { ModelCard, ModelMetrics } from "../card/schema.ts";
import type { Hex } from "../crypto/bytes.ts";
import { InvalidCidError, InvalidModelCardError } from "../errors.ts";
import { type ChainCid, cidToChain } from "./cid.ts";

/** The registry's `Metrics` struct: basis points (round(x * 10000)) and the test-set size. */
export type ChainMetrics = {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auc: number;
  testSetSize: number;
};

/** The registry's `PublishParams` struct. */
export type PublishParams = {
  content: ChainCid;
  keyring: ChainCid;
  sha256: Hex;
  metrics: ChainMetrics;
  taskId: Hex;
  parentId: bigint;
  /** sha256 of the card's RFC 8785 canonical JSON ({@link cardHash}); fixed on chain at publish. */
  cardHash: Hex;
};

const bps = (fraction: number) => Math.round(fraction * 10000);

/** The codecs the product writes and the registry accepts: raw (one block) and dag-pb (UnixFS). */
export const PUBLISHED_CID_CODECS: readonly number[] = [0x55, 0x70];

function publishedCid(cid: CID | string, what: string): ChainCid {
  const chainCid = cidToChain(cid);
  if (!PUBLISHED_CID_CODECS.includes(chainCid.codec)) {
    throw new InvalidCidError(
      `The ${what} CID ${String(cid)} has codec 0x${chainCid.codec.toString(16)}; the registry accepts raw (0x55) and dag-pb (0x70) only.`,
    );
  }
  return chainCid;
}

/** The chain's task id: keccak256(bytes(task)). */
export function taskIdOf(task: string): Hex {
  return keccak256(stringToBytes(task));
}

/** Test-set metrics as the registry stores them. An `auc` of null (one class only) is stored as 0. */
export function metricsToChain(metrics: ModelMetrics): ChainMetrics {
  return {
    accuracy: bps(metrics.accuracy),
    precision: bps(metrics.precision),
    recall: bps(metrics.recall),
    f1: bps(metrics.f1),
    auc: metrics.auc === null ? 0 : bps(metrics.auc),
    testSetSize: metrics.n,
  };
}

export type PublishParamsFromCardParameters = {
  card: ModelCard;
  /** CID of the encrypted container on IPFS. */
  content: CID | string;
  /** CID of the keyring JSON on IPFS. */
  keyring: CID | string;
  /** Parent model id for lineage (0 = none). */
  parentId?: bigint;
};

/**
 * Builds the registry's `publish` argument from a validated card and the two CIDs: the sha256 is
 * the card's (the plaintext ONNX), metrics are the test-set metrics in basis points, and the card
 * hash binds exactly this card (put the same card in the keyring). Refuses a card whose test set
 * is empty (the registry refuses it too, `RegistryEmptyTestSet`).
 */
export function publishParamsFromCard({
  card,
  content,
  keyring,
  parentId = 0n,
}: PublishParamsFromCardParameters): PublishParams {
  if (!/^[0-9a-f]{64}$/.test(card.onnx.sha256)) {
    throw new InvalidModelCardError(
      `The card's onnx.sha256 is not 64 hex digits: ${card.onnx.sha256}.`,
    );
  }
  if (!(card.metrics.test.n >= 1)) {
    throw new InvalidModelCardError(
      `The card's test set is empty (metrics.test.n = ${card.metrics.test.n}): a model is published with test figures on at least one image.`,
    );
  }
  return {
    content: publishedCid(content, "content"),
    keyring: publishedCid(keyring, "keyring"),
    sha256: `0x${card.onnx.sha256}`,
    metrics: metricsToChain(card.metrics.test),
    taskId: taskIdOf(card.task),
    parentId,
    cardHash: cardHash(card),
  };
}
