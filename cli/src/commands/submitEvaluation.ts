// `neuroledger evaluate --submit`: records a local evaluation on chain for the caller's institution.
import { evaluationParams } from "@neuroledger/chain/actions/evaluationParams";
import { evaluationSummary, MODEL_TASKS, taskOfLabels } from "@neuroledger/sdk/card";
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
 * The figures are sdk `evaluationSummary`'s for the task the result's labels name: binary, the
 * positive class's with specificity from the confusion matrix; K-class (type task), the macro
 * figures (F1 = macro F1, the ranking key), positives = tumor images of any type, negatives =
 * `no_tumor` images (docs/interfaces.md section 14).
 * @throws InvalidInputError when the labels are no task's, or the set lacks tumor or tumor-free
 *   images or a defined AUC (no specificity or AUC to record); the chain client's named errors
 *   when the registry refuses (not a member, model not kept...).
 */
export async function submitEvaluation(
  connection: Connection,
  modelId: bigint,
  result: Omit<EvaluateResult, "outOfDistribution">,
  cardVersion: number,
): Promise<SubmittedEvaluation> {
  const task = taskOfLabels(result.labels);
  if (!task) {
    throw new InvalidInputError(
      `an evaluation with the labels ${JSON.stringify(result.labels)} belongs to no task (${MODEL_TASKS.join(", ")})`,
    );
  }
  const summary = evaluationSummary(result, result.labels, task.positiveLabel, task.tumorFreeLabel);
  const { positives, negatives, auc } = summary;
  if (positives === 0 || negatives === 0 || auc === null) {
    throw new InvalidInputError(
      `an evaluation on chain needs images of both classes (got ${positives} with a tumor, ${negatives} without)${auc === null && positives && negatives ? " and a defined AUC" : ""}`,
    );
  }
  const params = evaluationParams({
    ...summary,
    auc,
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
