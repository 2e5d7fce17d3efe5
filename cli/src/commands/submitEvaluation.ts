// `neuroledger evaluate --submit`: records a local evaluation on chain for the caller's institution.
import { evaluationParams } from "@neuroledger/chain/actions/evaluationParams";
import { parseEventLogs } from "viem";
import { abis, connectChain } from "../chain/client.ts";
import type { Connection } from "../config.ts";
import { InvalidInputError } from "../errors.ts";
import type { EvaluateResult } from "./evaluate.ts";

/** The cli's version, as the evaluation's `codeVersion`. */
const CODE_VERSION = "0.1.0";

/** What the chain recorded: the transaction and the model's score and place after it. */
export interface SubmittedEvaluation {
  transaction: string;
  blockNumber: string;
  score: { f1: number; accuracy: number; verified: boolean; independentEvaluations: number };
  rank: number | null;
}

/**
 * Submits `result` (from `evaluate`) as the caller's institution's evaluation of `modelId`, from
 * the connection's account (a member institution or its staff).
 * Positives/negatives and specificity come from the confusion matrix (positive = index 1).
 * @throws InvalidInputError when the set lacks one class (no specificity or AUC to record);
 *   the chain client's named errors when the registry refuses (not a member, model not kept...).
 */
export async function submitEvaluation(
  connection: Connection,
  modelId: bigint,
  result: EvaluateResult,
  cardVersion: number,
): Promise<SubmittedEvaluation> {
  // confusion = [[tn, fp], [fn, tp]] (rows true, columns predicted; sdk binaryMetrics).
  const [[tn = 0, fp = 0] = [], [fn = 0, tp = 0] = []] = result.confusion;
  if (tp + fn === 0 || tn + fp === 0 || result.auc === null) {
    throw new InvalidInputError(
      `an evaluation on chain needs images of both classes (got ${tp + fn} with a tumor, ${tn + fp} without)`,
    );
  }
  const params = evaluationParams({
    accuracy: result.accuracy,
    precision: result.precision,
    recall: result.recall,
    specificity: tn / (tn + fp),
    f1: result.f1,
    auc: result.auc,
    positives: tp + fn,
    negatives: tn + fp,
    fingerprint: result.fingerprint,
    codeVersion: CODE_VERSION,
    cardVersion,
  });
  const chain = await connectChain(connection);
  const sent = await chain.write({
    address: chain.registry,
    abi: abis.registry,
    functionName: "submitEvaluation",
    args: [modelId, params],
  });
  const scored = parseEventLogs({
    abi: abis.registry,
    logs: sent.logs as never,
    eventName: "ModelScored",
  }).find((log) => log.args.modelId === modelId);
  if (!scored) throw new Error(`submitEvaluation (${sent.hash}) emitted no ModelScored`);
  return {
    transaction: sent.hash,
    blockNumber: sent.blockNumber.toString(),
    score: {
      f1: scored.args.f1 / 10_000,
      accuracy: scored.args.accuracy / 10_000,
      verified: scored.args.verified,
      independentEvaluations: scored.args.independentEvaluations,
    },
    rank: scored.args.rank === 255 ? null : scored.args.rank,
  };
}
