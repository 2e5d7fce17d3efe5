import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import { cidFromChain } from "@neuroledger/sdk/chain";
import { z } from "zod";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import { getModel, keptModelIds, type OnChainModel } from "../chain/models.ts";
import type { Connection } from "../config.ts";
import { pin, unpin } from "../ipfs/api.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import { createKeeper, type Keeper } from "./keeper.ts";
import type { NodeWorker } from "./runNode.ts";

/** What the follower remembers across restarts (`<dataDir>/follower.json`). */
const stateSchema = z.object({
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
type FollowerState = z.infer<typeof stateSchema>;

/** Events after which the kept set (latest + top ten) or a model's keyring may have changed. */
const STORAGE_EVENTS = new Set([
  "ModelPublished",
  "ModelEvicted",
  "ModelRevoked",
  "KeyringUpdated",
  "ContentKeyRotated",
]);
/** Events after which some account may lack a key wrap, or hold one it may no longer have. */
const ACCESS_EVENTS = new Set([
  "EncryptionKeySet",
  "StaffAdded",
  "StaffRemoved",
  "MembershipSynced",
  "PatientAccessGranted",
  "PatientAccessRevoked",
  "ModelPublished",
  "KeyringUpdated",
  "ContentKeyRotated",
]);
const MAX_RANGE = 2_000n;

export interface FollowerOptions {
  connection: Connection;
  dataDir: string;
  log: Logger;
  pollMs?: number;
  /** Run the keeper (needs the node's account key). Default: when the connection has an account. */
  keeper?: boolean;
  pinTimeoutMs?: number;
  /** Called when a model's content and keyring are pinned (the gateway indexes its blocks). */
  onPinned?: (modelId: bigint) => void;
}

/**
 * The pin follower: reads the registry's events block by block and keeps this node's pins equal
 * to what the registry keeps (latest + top ten: content and keyring), unpinning what it evicts or
 * revokes. Its progress is saved after every batch, so a restart resumes from the last handled
 * block. Pins are fetched in the background, so a model whose blocks are slow or nowhere to be
 * found delays no other model. With an account, it also runs the keeper (see keeper.ts).
 */
export function createFollower(
  options: FollowerOptions,
): NodeWorker & { syncOnce(): Promise<void> } {
  const { log } = options;
  const stateFile = join(options.dataDir, "follower.json");
  let chain: ChainClient;
  let node: IpfsNode;
  let state: FollowerState;
  let keeper: Keeper | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let needsReconcile = true;
  let needsKeeper = true;
  /** Background pins by model id (see reconcile). */
  const pinning = new Map<string, Promise<void>>();
  const stopping = new AbortController();

  // Saves run one after another (background pins finish at any time), each writing the state
  // as it is then, through a temporary file so a crash never leaves half a file.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const next = saving.then(async () => {
      await mkdir(options.dataDir, { recursive: true });
      await writeFile(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
      await rename(`${stateFile}.tmp`, stateFile);
    });
    saving = next.catch(() => undefined);
    return next;
  };

  const load = async (): Promise<FollowerState> => {
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
    // A dev chain restarted from genesis redeploys at the same addresses: the deployment time, or
    // a saved block beyond the chain's head, tells the runs apart.
    const head = await chain.publicClient.getBlockNumber();
    if (
      saved.chainId !== chain.chainId ||
      saved.registry.toLowerCase() !== chain.registry.toLowerCase() ||
      (saved.deployedAt !== undefined && saved.deployedAt !== chain.deployment.deployedAt) ||
      BigInt(saved.lastBlock) > head
    ) {
      log.warn("follower state is for another deployment: starting over", { file: stateFile });
      return { ...fresh, pins: saved.pins };
    }
    return saved;
  };

  type GrantEventArgs = { patient?: string; modelId?: bigint; expiresAt?: bigint };
  const trackGrant = (name: string, args: GrantEventArgs) => {
    if (name !== "PatientAccessGranted" && name !== "PatientAccessRevoked") return;
    const key = `${args.patient?.toLowerCase()}|${args.modelId}`;
    state.grantExpiries ??= {};
    if (name === "PatientAccessGranted") state.grantExpiries[key] = Number(args.expiresAt ?? 0n);
    else delete state.grantExpiries[key];
  };
  type PublishedEventArgs = {
    modelId?: bigint;
    content?: { digest: string; codec: number };
    keyring?: { digest: string; codec: number };
  };
  const trackPublished = (name: string, args: PublishedEventArgs) => {
    if (name !== "ModelPublished" || !args.content || !args.keyring) return;
    state.published ??= {};
    state.published[String(args.modelId)] = [
      cidFromChain(args.content).toString(),
      cidFromChain(args.keyring).toString(),
    ];
  };
  /**
   * True when the chain's time at `head` has passed a tracked grant's expiry (which is then
   * forgotten): its patient may hold a wrap it may no longer have.
   */
  const grantsExpired = async (head: bigint): Promise<boolean> => {
    const expiries = state.grantExpiries ?? {};
    if (Object.keys(expiries).length === 0) return false;
    const { timestamp } = await chain.publicClient.getBlock({ blockNumber: head });
    let expired = false;
    for (const [key, expiresAt] of Object.entries(expiries)) {
      if (BigInt(expiresAt) > timestamp) continue;
      delete expiries[key];
      expired = true;
    }
    if (expired) await save();
    return expired;
  };

  /** Handles new blocks' events, then brings pins and keyrings in line with the chain. */
  const syncOnce = async () => {
    const head = await chain.publicClient.getBlockNumber();
    for (let from = BigInt(state.lastBlock + 1); from <= head; from += MAX_RANGE) {
      const to = from + MAX_RANGE - 1n < head ? from + MAX_RANGE - 1n : head;
      const events = await chain.publicClient.getContractEvents({
        address: chain.registry,
        abi: abis.registry,
        fromBlock: from,
        toBlock: to,
      });
      for (const event of events) {
        const name = event.eventName as string;
        if (STORAGE_EVENTS.has(name)) needsReconcile = true;
        if (ACCESS_EVENTS.has(name)) needsKeeper = true;
        trackGrant(name, event.args as GrantEventArgs);
        trackPublished(name, event.args as PublishedEventArgs);
        if (name === "ModelPublished" || name === "ModelEvicted" || name === "ModelRevoked") {
          log.info("registry event", {
            event: name,
            modelId: String((event.args as { modelId?: bigint }).modelId),
          });
        }
      }
      // Saved before the pins catch up: every start reconciles with the chain anyway.
      state.lastBlock = Number(to);
      await save();
    }
    if (needsReconcile) await reconcile();
    if (keeper && (await grantsExpired(head))) needsKeeper = true;
    if (keeper && needsKeeper) {
      needsKeeper = false;
      try {
        await keeper.pass(Object.keys(state.pins).map(BigInt));
      } catch (err) {
        needsKeeper = true;
        log.warn("keeper pass failed; will retry", { error: (err as Error).message });
      }
    }
  };

  /**
   * Makes the pins match what the registry keeps now: unpins what it no longer keeps (at once: no
   * network needed), and starts a background pin for each kept model whose content or current
   * keyring is not pinned yet. A slow or unreachable CID so holds up nothing else; it is retried
   * on the next pass.
   */
  const reconcile = async () => {
    needsReconcile = false;
    const { latest, top } = await keptModelIds(chain);
    const kept = new Set([...top, ...(latest > 0n ? [latest] : [])].map(String));
    for (const [id, entry] of Object.entries(state.pins)) {
      if (kept.has(id)) continue;
      for (const cid of [entry.content, ...entry.keyrings]) await unpin(node, CID.parse(cid));
      delete state.pins[id];
      log.info("unpinned", { modelId: id, content: entry.content });
    }
    for (const [id, cids] of Object.entries(state.published ?? {})) {
      if (kept.has(id)) continue;
      for (const cid of cids) await unpin(node, CID.parse(cid));
      delete state.published?.[id];
    }
    await save();
    for (const id of kept) {
      if (pinning.has(id)) continue;
      let model: OnChainModel;
      try {
        model = await getModel(chain, BigInt(id));
      } catch {
        continue; // left the kept set since it was read: the next pass unpins it
      }
      const entry = state.pins[id];
      if (entry?.content === model.contentCid && entry.keyrings[0] === model.keyringCid) continue;
      pinning.set(
        id,
        pinModel(id, model).finally(() => pinning.delete(id)),
      );
    }
  };

  /** Pins one model's content and keyring, then records it (the next pass unpins it if evicted meanwhile). */
  const pinModel = async (id: string, model: OnChainModel) => {
    try {
      const signal = AbortSignal.any([
        stopping.signal,
        AbortSignal.timeout(options.pinTimeoutMs ?? 60_000),
      ]);
      await pin(node, CID.parse(model.contentCid), signal);
      await pin(node, CID.parse(model.keyringCid), signal);
    } catch (err) {
      needsReconcile = true;
      if (!stopped)
        log.warn("pin failed; will retry", { modelId: id, error: (err as Error).message });
      return;
    }
    // The kept set may have changed while the blocks came: check again, and let the keeper look.
    needsReconcile = true;
    needsKeeper = true;
    try {
      // Older keyrings of a kept model, and its content before a key rotation, are dropped once
      // the new ones are pinned, except the keyring the registry keeps as `previousKeyring`:
      // readers fall back to it when the current one fails.
      const previous = state.pins[id];
      const fallback = previous?.keyrings.find(
        (k) => k === model.previousKeyringCid && k !== model.keyringCid,
      );
      for (const old of previous?.keyrings.filter(
        (k) => k !== model.keyringCid && k !== fallback,
      ) ?? [])
        await unpin(node, CID.parse(old));
      if (previous && previous.content !== model.contentCid)
        await unpin(node, CID.parse(previous.content));
      state.pins[id] = {
        content: model.contentCid,
        keyrings: [model.keyringCid, ...(fallback ? [fallback] : [])],
      };
      delete state.published?.[id];
      log.info("pinned", { modelId: id, content: model.contentCid, keyring: model.keyringCid });
      options.onPinned?.(BigInt(id));
      await save();
    } catch (err) {
      log.warn("recording a pin failed; will retry", {
        modelId: id,
        error: (err as Error).message,
      });
    }
  };

  const loop = () => {
    if (stopped) return;
    running = syncOnce()
      .catch((err: Error) => {
        needsReconcile = true;
        log.warn("sync failed; will retry", { error: err.message });
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.pollMs ?? 1000);
      });
  };

  return {
    name: "pin-follower",
    async start(ipfs) {
      node = ipfs;
      chain = await connectChain(options.connection);
      state = await load();
      if (options.keeper ?? options.connection.account !== undefined) {
        keeper = await createKeeper({ chain, node, log: log.child({ worker: "keeper" }) });
      }
      log.info("following the registry", {
        registry: chain.registry,
        fromBlock: state.lastBlock + 1,
      });
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      stopping.abort();
      await running;
      await Promise.allSettled(pinning.values());
    },
    status: () => ({
      lastBlock: state?.lastBlock,
      pinnedModels: state ? Object.keys(state.pins).sort((a, b) => Number(a) - Number(b)) : [],
    }),
    syncOnce,
  };
}
