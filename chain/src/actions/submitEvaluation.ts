// Submits (or replaces) the caller's institution's evaluation of a kept model.
import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";
import { NOT_RANKED } from "../constants.ts";
import { type EvaluationFigures, evaluationParams } from "./evaluationParams.ts";

/** What the registry did with the evaluation (from its events). */
export type SubmittedEvaluation = {
  hash: Hash;
  receipt: TransactionReceipt;
  institutionId: bigint;
  publisherSite: boolean;
  replaced: boolean;
  /** The model's score after it: F1 and accuracy as fractions, whether verified. */
  score: { f1: number; accuracy: number; verified: boolean; independentEvaluations: number };
  /** Its place in the top ten (0 = best), or null when not ranked or evicted. */
  rank: number | null;
  /** Models evicted by the move (possibly this one). */
  evicted: bigint[];
};

/**
 * Sends `submitEvaluation(modelId, params)` from `wallet.account` and waits for the receipt.
 * @throws Error from {@link evaluationParams} for bad figures; viem's ContractFunctionRevertedError
 *   (RegistryEvaluatorWithoutInstitution, RegistryModelNotActive, RegistryPaused, ...) on refusal;
 *   Error when the transaction reverts after being mined.
 */
export async function submitEvaluation(options: {
  wallet: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  registry: Address;
  modelId: bigint;
  evaluation: EvaluationFigures;
}): Promise<SubmittedEvaluation> {
  const { wallet, publicClient, registry, modelId } = options;
  const params = evaluationParams(options.evaluation);
  const { request } = await publicClient.simulateContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "submitEvaluation",
    args: [modelId, params],
    account: wallet.account,
  });
  const hash = await wallet.writeContract(request as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`submitEvaluation reverted (${hash})`);
  const logs = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs });
  const submitted = logs.find((log) => log.eventName === "EvaluationSubmitted");
  const scored = logs.find(
    (log) => log.eventName === "ModelScored" && log.args.modelId === modelId,
  );
  if (submitted?.eventName !== "EvaluationSubmitted" || scored?.eventName !== "ModelScored") {
    throw new Error(`submitEvaluation (${hash}) emitted no EvaluationSubmitted/ModelScored`);
  }
  return {
    hash,
    receipt,
    institutionId: submitted.args.institutionId,
    publisherSite: submitted.args.publisherSite,
    replaced: submitted.args.replaced,
    score: {
      f1: scored.args.f1 / 10_000,
      accuracy: scored.args.accuracy / 10_000,
      verified: scored.args.verified,
      independentEvaluations: scored.args.independentEvaluations,
    },
    rank: scored.args.rank === NOT_RANKED ? null : scored.args.rank,
    evicted: logs.flatMap((log) => (log.eventName === "ModelEvicted" ? [log.args.modelId] : [])),
  };
}
