import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  parseEventLogs,
  type SimulateContractErrorType,
  type TransactionReceipt,
  type Transport,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import { NOT_RANKED } from "../constants.ts";
import {
  type EvaluationFigures,
  type EvaluationParamsErrorType,
  evaluationParams,
} from "./evaluationParams.ts";

export type SubmitEvaluationParameters = {
  registry: Address;
  /** A kept model's id. */
  modelId: bigint;
  /** The figures measured off chain (fractions; converted by {@link evaluationParams}). */
  evaluation: EvaluationFigures;
};
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
export type SubmitEvaluationReturnType = SubmittedEvaluation;
/**
 * `EvaluationParamsErrorType` for bad figures; a revert named by its custom error
 * (RegistryEvaluatorWithoutInstitution, RegistryModelNotActive, RegistryPaused, ...); a transport
 * error; Error when the transaction reverts after being mined or emits no score.
 */
export type SubmitEvaluationErrorType =
  | EvaluationParamsErrorType
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType
  | Error;

/**
 * Submits (or replaces) the caller's institution's evaluation of a kept model: simulates
 * `submitEvaluation(modelId, params)` from the client's account, sends it, waits for the receipt
 * and reads the outcome from the registry's events. The client needs an account (a wallet client).
 * @example
 * const wallet = createWalletClient({ account, transport: http(rpcUrl) });
 * const submitted = await submitEvaluation(wallet, { registry, modelId: 1n, evaluation });
 * submitted.score.verified // true once enough independent institutions measured the model
 */
export async function submitEvaluation(
  client: Client<Transport, Chain | undefined, Account>,
  { registry, modelId, evaluation }: SubmitEvaluationParameters,
): Promise<SubmitEvaluationReturnType> {
  const params = evaluationParams(evaluation);
  const { request } = await simulateContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "submitEvaluation",
    args: [modelId, params],
    account: client.account,
  });
  const hash = await writeContract(client, request as never);
  const receipt = await waitForTransactionReceipt(client, { hash });
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
