import type { ConnectionFlags } from "../config.ts";
import type { Logger } from "../log.ts";
import { type NodeWorker, runNode } from "../node/runNode.ts";
import { untilSignal } from "../signals.ts";

export interface NodeCommandParameters {
  name: string;
  dataDir: string;
  tcpPort?: number;
  wsPort?: number;
  gatewayPort?: number;
  peers?: string[];
  fetchTimeoutMs?: number;
  workers?: NodeWorker[];
  /** Chain connection for the pin follower and the keeper; without it the node only stores. */
  follow?: ConnectionFlags;
  log: Logger;
  /** Resolves when the node must stop; defaults to SIGINT/SIGTERM. */
  until?: Promise<unknown>;
}

/**
 * `neuroledger node`: runs an institution node until told to stop (Ctrl-C, SIGTERM).
 *
 * @example
 * await nodeCommand({ name: "inst-1", dataDir: ".neuroledger/inst-1", log });
 */
export async function nodeCommand(params: NodeCommandParameters): Promise<void> {
  const signals = params.until ? undefined : untilSignal();
  try {
    const node = await runNode(params);
    const reason = await (params.until ?? signals?.promise);
    params.log.info("stopping node", { reason: String(reason) });
    await node.stop();
  } finally {
    signals?.dispose();
  }
}
