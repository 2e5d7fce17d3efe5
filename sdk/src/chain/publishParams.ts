import type { CID } from "multiformats/cid";
import { keccak256, stringToBytes } from "viem";
import { cardHash } from "../card/cardHash.ts";
import type { ModelCard, ModelMetrics } from "../card/schema.ts";
import type { Hex } from "../crypto/bytes.ts";
import { InvalidModelError } from "../errors.ts";
import { type ChainCid, cidToChain } from "./cid.ts";
import { checkPublishableCard } from "./publishableCard.ts";

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
  /** {@link weightsHash} of the plaintext ONNX: the registry refuses weights published before. */
  weightsHash: Hex;
};

const bps = (fraction: number) => Math.round(fraction * 10000);

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
  /** A validated card (either version): the whole card is hashed (`cardHash`) and bound on chain. */
  card: ModelCard;
  /** CID of the encrypted container on IPFS. */
  content: CID | string;
  /** CID of the keyring JSON on IPFS. */
  keyring: CID | string;
  /** Parent model id for lineage (0 = none). */
  parentId?: bigint;
  /** `weightsHash(onnxBytes)` of the model file (`@neuroledger/sdk/card`); must not be zero. */
  weightsHash: Hex;
};

/**
 * Builds the registry's `publish` argument from a validated card and the two CIDs: the sha256 is
 * the card's (the plaintext ONNX), metrics are the test-set metrics in basis points, and the card
 * hash binds exactly this card (put the same card in the keyring), and `weightsHash` is passed
 * through (the registry refuses a zero hash and weights already published). Refuses what
 * {@link checkPublishableCard} refuses (the registry refuses an empty test set too,
 * `RegistryEmptyTestSet`) and CIDs of codecs the product does not write.
 */
export function publishParamsFromCard({
  card,
  content,
  keyring,
  parentId = 0n,
  weightsHash,
}: PublishParamsFromCardParameters): PublishParams {
  checkPublishableCard(card);
  if (!/^0x[0-9a-fA-F]{64}$/.test(weightsHash) || /^0x0{64}$/.test(weightsHash)) {
    throw new InvalidModelError(
      `weightsHash must be a non-zero bytes32 hex string, got "${weightsHash}".`,
      {
        hints: ["Compute it with weightsHash(onnxBytes) from @neuroledger/sdk/card."],
      },
    );
  }
  return {
    content: cidToChain(content),
    keyring: cidToChain(keyring),
    sha256: `0x${card.onnx.sha256}`,
    metrics: metricsToChain(card.metrics.test),
    taskId: taskIdOf(card.task),
    parentId,
    cardHash: cardHash(card),
    weightsHash,
  };
}
