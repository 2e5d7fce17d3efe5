import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";
import type { ChainClient } from "../../chain/client.ts";
import type { Logger } from "../../log.ts";

/** What the follower remembers across restarts (`<dataDir>/follower.json`). */
export const stateSchema = z.object({
  chainId: z.number().int(),
  registry: z.string(),
  /** Tells two deployments at the same address apart (a dev chain restarted from genesis). */
  deployedAt: z.string().optional(),
  /** Last block whose events were fully handled. */
  lastBlock: z.number().int(),
  /** Models this node pins, by id: the content CID and every keyring CID it pinned for it. */
  pins: z.record(z.string(), z.object({ content: z.string(), keyrings: z.array(z.string()) })),
  /**
   * Patient grants not yet expired, `"<patient>|<modelId>"` -> expiry (unix seconds), from
   * PatientAccessGranted/Revoked: a grant expires without an event, so the keeper is woken when
   * the chain's time passes one.
   */
  grantExpiries: z.record(z.string(), z.number()).optional(),
  /**
   * Model id -> the content and keyring CIDs of its ModelPublished event, until the model's pin is
   * recorded in `pins`: a publish pins its blocks on the publisher's node before this follower
   * does, so a model evicted before its pin was recorded is still unpinned.
   */
  published: z.record(z.string(), z.array(z.string())).optional(),
});
export type FollowerState = z.infer<typeof stateSchema>;

/** True when `saved` was written for another deployment than `chain`'s (at block `head`). */
function isForAnotherDeployment(saved: FollowerState, chain: ChainClient, head: bigint): boolean {
  // A dev chain restarted from genesis redeploys at the same addresses: the deployment time, or
  // a saved block beyond the chain's head, tells the runs apart.
  return (
    saved.chainId !== chain.chainId ||
    saved.registry.toLowerCase() !== chain.registry.toLowerCase() ||
    (saved.deployedAt !== undefined && saved.deployedAt !== chain.deployment.deployedAt) ||
    BigInt(saved.lastBlock) > head
  );
}

/**
 * Reads `stateFile`; a fresh state (from the deployment block, no pins) when there is none. A
 * state saved for another deployment starts over from its deployment block but keeps its pins,
 * so the first pass unpins what the new chain does not keep. Throws when the file is not a state.
 */
export async function loadFollowerState(
  chain: ChainClient,
  stateFile: string,
  log: Logger,
): Promise<FollowerState> {
  const fresh: FollowerState = {
    chainId: chain.chainId,
    registry: chain.registry,
    deployedAt: chain.deployment.deployedAt,
    lastBlock: chain.deployment.deployBlock - 1,
    pins: {},
  };
  let text: string;
  try {
    text = await readFile(stateFile, "utf8");
  } catch {
    return fresh;
  }
  const saved = stateSchema.parse(JSON.parse(text));
  if (isForAnotherDeployment(saved, chain, await chain.publicClient.getBlockNumber())) {
    log.warn("follower state is for another deployment: starting over", { file: stateFile });
    return { ...fresh, pins: saved.pins };
  }
  return saved;
}

/**
 * A save function for the state `current()` returns. Saves run one after another (background
 * pins finish at any time), each writing the state as it is then, through a temporary file so a
 * crash never leaves half a file.
 */
export function stateSaver(
  dataDir: string,
  stateFile: string,
  current: () => FollowerState,
): () => Promise<void> {
  let saving: Promise<void> = Promise.resolve();
  return () => {
    const next = saving.then(async () => {
      await mkdir(dataDir, { recursive: true });
      await writeFile(`${stateFile}.tmp`, `${JSON.stringify(current(), null, 2)}\n`);
      await rename(`${stateFile}.tmp`, stateFile);
    });
    saving = next.catch(() => undefined);
    return next;
  };
}
