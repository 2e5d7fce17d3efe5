import { join } from "node:path";
import { type Connection, type ConnectionFlags, resolveConnection } from "../config.ts";
import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import {
  type EvaluationFolder,
  evaluationPlan,
  parseEvaluationFolder,
} from "../node/evaluationPlan.ts";
import type { Evaluator } from "../node/evaluator.ts";
import { type NodeWorker, type RunNodeOptions, runNode } from "../node/runNode.ts";
import { untilSignal } from "../signals.ts";

export interface NodeCommandParameters {
  name: string;
  dataDir: string;
  tcpPort?: number;
  wsPort?: number;
  gatewayPort?: number;
  peers?: string[];
  /** Peer ids of other member nodes that may connect (besides those of `peers`). */
  allowPeers?: string[];
  /** The gateway's URL as readers reach it (the sign-in domain). */
  publicUrl?: string;
  fetchTimeoutMs?: number;
  /** Chain connection for the pin follower and the keeper; without it the node only stores. */
  follow?: ConnectionFlags;
  pollMs?: number;
  /**
   * Private labelled folders `<dir>/<class>/<images>`, each `[<task>=]<dir>` (no task: the first
   * task's): with `follow` and an account, the node evaluates every kept and newly pinned model of
   * each task on that task's folder and submits the figures (see evaluator.ts, evaluationPlan.ts).
   */
  evaluateOn?: string | readonly string[];
  workers?: NodeWorker[];
  log: Logger;
  /** Resolves when the node must stop; defaults to SIGINT/SIGTERM. */
  until?: Promise<unknown>;
}

/**
 * `neuroledger node`: runs an institution node until told to stop (Ctrl-C, SIGTERM): Helia,
 * the gateway, and (with a chain connection) the pin follower and the keeper.
 *
 * @example
 * await nodeCommand({ name: "inst-1", dataDir: ".neuroledger/inst-1", follow: { rpc, key }, log });
 */
export async function nodeCommand(params: NodeCommandParameters): Promise<void> {
  const evaluateOn = await evaluationFolders(params.evaluateOn, params.follow);
  const signals = params.until ? undefined : untilSignal();
  try {
    const workers = [...(params.workers ?? [])];
    let access: RunNodeOptions["access"];
    let onPinned: ((modelId: bigint, task: string) => void) | undefined;
    if (params.follow) {
      // The node's own data dir holds its state; the stack file (if any) only supplies the chain.
      const connection = await resolveConnection({
        ...params.follow,
        dataDir: params.follow.dataDir,
      });
      // Loaded only when following: a storage-only node needs nothing from the chain package.
      const { createFollower } = await import("../node/follower.ts");
      const { connectChain } = await import("../chain/client.ts");
      const { createAccessPolicy } = await import("../access/policy.ts");
      const { createSignIn } = await import("../access/signIn.ts");
      const chain = await connectChain({ ...connection, account: undefined, task: undefined });
      let policy: ReturnType<typeof createAccessPolicy> | undefined;
      let ownGatewayUrl: string | undefined;
      const tasks = chain.tasks.map((t) => t.task);
      const evaluators = await taskEvaluators(
        evaluationPlan(evaluateOn, tasks),
        tasks[0],
        connection,
        params,
        () => ownGatewayUrl,
      );
      access = (ipfs, gatewayUrl) => {
        ownGatewayUrl = gatewayUrl;
        policy = createAccessPolicy({
          chain,
          node: ipfs,
          signIn: createSignIn({ origin: params.publicUrl ?? gatewayUrl, chainId: chain.chainId }),
          log: params.log.child({ worker: "access" }),
        });
        return policy;
      };
      onPinned = (modelId, task) => {
        policy?.indexModel(modelId, task).catch(() => undefined);
        // A folder's classes are one task's labels: each task's models go to that task's folder.
        evaluators.get(task)?.request(modelId);
      };
      workers.push(
        ...taskFollowers(createFollower, chain.tasks, connection, params, (id, task) =>
          onPinned?.(id, task),
        ),
      );
      workers.push(...evaluators.values());
    }
    const node = await runNode({ ...params, workers, access });
    const reason = await (params.until ?? signals?.promise);
    params.log.info("stopping node", { reason: String(reason) });
    await node.stop();
  } finally {
    signals?.dispose();
  }
}

/**
 * The `--evaluate-on` values read (each folder checked), before anything starts. They need the
 * chain: to know what to evaluate and to submit.
 */
async function evaluationFolders(
  values: string | readonly string[] | undefined,
  follow: ConnectionFlags | undefined,
): Promise<EvaluationFolder[]> {
  const list = values === undefined ? [] : typeof values === "string" ? [values] : values;
  if (list.length === 0) return [];
  if (!follow) {
    throw new UsageError("--evaluate-on needs a chain connection (--rpc and --key, or --stack)");
  }
  return Promise.all(list.map(parseEvaluationFolder));
}

/**
 * One evaluator per task given a folder. The first task keeps its downloads in the node's data
 * dir, the others under `tasks/<slug>/` (model ids restart at 1 in every task).
 */
async function taskEvaluators(
  plan: Map<string, string>,
  first: string | undefined,
  connection: Connection,
  params: NodeCommandParameters,
  gatewayUrl: () => string | undefined,
): Promise<Map<string, Evaluator>> {
  const evaluators = new Map<string, Evaluator>();
  if (plan.size === 0) return evaluators;
  const { createEvaluator } = await import("../node/evaluator.ts");
  for (const [task, folder] of plan) {
    evaluators.set(
      task,
      createEvaluator({
        connection: {
          ...connection,
          task,
          dataDir:
            task === first ? params.dataDir : join(params.dataDir, "tasks", slugOfTask(task)),
        },
        evaluateOn: folder,
        gatewayUrl,
        log: params.log.child({ worker: "evaluator", ...(task === first ? {} : { task }) }),
      }),
    );
  }
  return evaluators;
}

/** A task name as a folder name: `brain-tumor-mri/type` -> `brain-tumor-mri-type`. */
function slugOfTask(task: string): string {
  return task.replace(/[^A-Za-z0-9._-]+/g, "-");
}

/**
 * A node serves every task's models: one pin follower (and keeper) per task's registry. The first
 * task keeps its state in the node's data dir, the others under `tasks/<slug>/`; the node's status
 * keeps the first task's follower fields as they were, another task's are under
 * `follower:<task>` (merged, they would overwrite the first's).
 */
function taskFollowers(
  createFollower: typeof import("../node/follower.ts").createFollower,
  tasks: readonly { task: string }[],
  connection: Connection,
  params: NodeCommandParameters,
  onPinned: (modelId: bigint, task: string) => void,
): NodeWorker[] {
  return tasks.map(({ task }, i) => {
    const follower = createFollower({
      connection: { ...connection, task },
      dataDir: i === 0 ? params.dataDir : join(params.dataDir, "tasks", slugOfTask(task)),
      log: params.log.child({ worker: "follower", ...(i === 0 ? {} : { task }) }),
      pollMs: params.pollMs,
      onPinned: (id) => onPinned(id, task),
    });
    if (i === 0) return follower;
    return {
      ...follower,
      name: `${follower.name} (${task})`,
      status: () => ({ [`follower:${task}`]: follower.status?.() }),
    };
  });
}
