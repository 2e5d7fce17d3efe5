// Members' measurements of a model (registry v3): the ranking score and each institution's
// current evaluation, read through the typed chain actions, with the dates of their blocks and
// whether the publisher's claim disagrees with what the members measured.

import {
  getEvaluations,
  type SubmittedEvaluationRecord,
} from "@neuroledger/chain/actions/getEvaluations";
import { getScore, type ModelScore } from "@neuroledger/chain/actions/getScore";
import type { PublicClient } from "viem";
import type { Contracts } from "./registry.ts";

/**
 * How far (as a fraction of 1) the claimed F1 may sit above the worst independent site's F1
 * before the page flags a disagreement: 0.05 = five percentage points.
 */
export const DISAGREEMENT_MARGIN = 0.05;

export type Measurement = SubmittedEvaluationRecord & {
  /** Seconds since the epoch of the block the (current) evaluation was recorded in. */
  timestamp: bigint;
};

export type Measurements = {
  score: ModelScore;
  /** Every institution's current evaluation, by institution id. */
  evaluations: Measurement[];
  /** Non-null when the claim disagrees: the worst independent F1 and how far below the claim. */
  disagreement: { worstF1: number; claimedF1: number; gap: number } | null;
};

/**
 * Whether the publisher's claimed F1 (fraction) sits more than {@link DISAGREEMENT_MARGIN}
 * above the worst independent site's F1 (the publisher's own site does not count).
 * Null when it does not, or when no other institution measured the model.
 */
export function claimDisagreement(
  claimedF1: number,
  evaluations: readonly Pick<SubmittedEvaluationRecord, "f1" | "publisherSite">[],
): Measurements["disagreement"] {
  const independent = evaluations.filter((e) => !e.publisherSite);
  if (independent.length === 0) return null;
  const worstF1 = Math.min(...independent.map((e) => e.f1));
  const gap = claimedF1 - worstF1;
  // Compare in basis points: fractions like 0.98 - 0.93 are not exact in binary.
  return Math.round(gap * 10_000) > Math.round(DISAGREEMENT_MARGIN * 10_000)
    ? { worstF1, claimedF1, gap }
    : null;
}

/**
 * The score and members' evaluations of a kept model.
 * @param claimedF1Bp the publisher's claimed F1 in basis points (the model's on-chain metrics)
 * @param fromBlock the registry's deploy block (logs before it are not searched)
 * @throws viem's ContractFunctionRevertedError when the model is not kept
 */
export async function readMeasurements(
  client: PublicClient,
  contracts: Contracts,
  modelId: bigint,
  claimedF1Bp: number,
  fromBlock: bigint,
): Promise<Measurements> {
  const [score, records] = await Promise.all([
    getScore(client, { registry: contracts.registry, modelId }),
    getEvaluations(client, { registry: contracts.registry, modelId, fromBlock }),
  ]);
  const blocks = new Map<bigint, bigint>();
  await Promise.all(
    [...new Set(records.map((r) => r.blockNumber))].map(async (blockNumber) => {
      const block = await client.getBlock({ blockNumber });
      blocks.set(blockNumber, block.timestamp);
    }),
  );
  const evaluations = records.map((r) => ({ ...r, timestamp: blocks.get(r.blockNumber) ?? 0n }));
  return {
    score,
    evaluations,
    disagreement: claimDisagreement(claimedF1Bp / 10_000, evaluations),
  };
}
