// `neuroledger node --evaluate-on <dir>`: the node measures every kept model on its institution's
// private folder and records the figures on chain, as `evaluate --model <id> --submit` does.

import { rolesOf } from "../chain/accounts.ts";
import { abis, connectChain } from "../chain/client.ts";
import type { Connection } from "../config.ts";
import type { Logger } from "../log.ts";
import { keptModelIdSet } from "./follower/pins.ts";
import type { NodeWorker } from "./runNode.ts";

export interface EvaluatorOptions {
  /** The node's chain connection; its account (member or staff) submits for its institution. */
  connection: Connection;
  /** The private labelled folder `<dir>/<class>/<images>`; its images never leave this machine. */
  evaluateOn: string;
  /** The node's own gateway URL (known once the gateway listens): models download through it. */
  gatewayUrl: () => string | undefined;
  log: Logger;
}

export type Evaluator = NodeWorker & {
  /** Queues `modelId` for evaluation (a model already queued or done this run is not queued again). */
  request(modelId: bigint): void;
  /** Resolves when the queue is empty (tests). */
  idle(): Promise<void>;
};

/**
 * One model at a time, in the background: download (recorded on chain, cached in the node's data
 * dir), evaluate locally, then submit unless the institution's latest evaluation of that model
 * already has this set's fingerprint. Failures are logged and the model is retried on its next
 * request (the next pin or restart), never fatal to the node. At start it queues every kept model.
 */
const MAX_ATTEMPTS = 3;
const RETRY_DELAY_MS = 3_000;

export function createEvaluator(options: EvaluatorOptions): Evaluator {
  const { log } = options;
  const seen = new Set<string>();
  const failures = new Map<string, number>();
  const retries = new Set<NodeJS.Timeout>();
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  // A submission can revert on a transient chain state (seen once under load while all three dev
  // nodes submitted at once); try again a few times before waiting for the next pin or restart.
  const retryLater = (modelId: bigint, id: string) => {
    const n = (failures.get(id) ?? 0) + 1;
    failures.set(id, n);
    if (stopped || n >= MAX_ATTEMPTS) return;
    const timer = setTimeout(() => {
      retries.delete(timer);
      request(modelId);
    }, RETRY_DELAY_MS * n);
    timer.unref();
    retries.add(timer);
  };
  const request = (modelId: bigint) => {
    const id = modelId.toString();
    if (stopped || seen.has(id)) return;
    seen.add(id);
    queue = queue.then(async () => {
      if (stopped) return;
      try {
        await evaluateModel(options, modelId);
      } catch (err) {
        seen.delete(id); // asked again on the next pin or restart, or retried below
        log.warn("evaluation failed", { modelId: id, error: (err as Error).message });
        retryLater(modelId, id);
      }
    });
  };
  return {
    name: "evaluator",
    async start() {
      log.info("evaluating kept models on the private folder", { folder: options.evaluateOn });
      const chain = await connectChain({ ...options.connection, account: undefined });
      for (const id of await keptModelIdSet(chain)) request(BigInt(id));
    },
    async stop() {
      stopped = true;
      for (const timer of retries) clearTimeout(timer);
      await queue;
    },
    request,
    idle: async () => {
      let current: Promise<void>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
  };
}

/** Evaluates one model and submits the figures unless this very set was already submitted. */
async function evaluateModel(options: EvaluatorOptions, modelId: bigint): Promise<void> {
  const { log } = options;
  const nodeUrl = options.gatewayUrl() ?? options.connection.nodeUrl;
  const connection: Connection = { ...options.connection, nodeUrl };
  log.info("evaluating model", { modelId: modelId.toString() });
  const { resolveModel } = await import("../models/resolveModel.ts");
  const { evaluate } = await import("../commands/evaluate.ts");
  const { submitEvaluation } = await import("../commands/submitEvaluation.ts");
  const model = await resolveModel({
    model: modelId.toString(),
    connection: async () => connection,
    log,
  });
  const { checkDeclaredWeights } = await import("../models/declaredWeights.ts");
  await checkDeclaredWeights(connection, modelId, model.modelPath, log);
  const result = await evaluate({ model, dataDir: options.evaluateOn, log });
  const previous = await lastSubmittedFingerprint(connection, modelId);
  if (previous?.toLowerCase() === result.fingerprint.toLowerCase()) {
    log.info("already evaluated on this set; not submitted again", {
      modelId: modelId.toString(),
      fingerprint: result.fingerprint,
    });
    return;
  }
  const submitted = await submitEvaluation(
    connection,
    modelId,
    result,
    Number(model.card.schema.split("/").pop()),
  );
  log.info("evaluation submitted", {
    modelId: modelId.toString(),
    images: result.n,
    f1: result.f1.toFixed(4),
    auc: result.auc?.toFixed(4) ?? "n/a",
    transaction: submitted.transaction,
  });
}

/** The fingerprint of the institution's latest `EvaluationSubmitted` for the model (undefined: none). */
async function lastSubmittedFingerprint(
  connection: Connection,
  modelId: bigint,
): Promise<string | undefined> {
  const chain = await connectChain(connection);
  if (!chain.account) throw new Error("--evaluate-on needs the node's account (--key)");
  const { institutionId } = await rolesOf(chain, chain.account.address);
  const events = await chain.publicClient.getContractEvents({
    address: chain.registry,
    abi: abis.registry,
    eventName: "EvaluationSubmitted",
    args: { modelId, institutionId },
    fromBlock: 0n,
  });
  return events.at(-1)?.args.evaluation?.fingerprint;
}
