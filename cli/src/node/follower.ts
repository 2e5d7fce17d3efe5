import { join } from "node:path";
import { CID } from "multiformats/cid";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import { getModel, type OnChainModel } from "../chain/models.ts";
import type { Connection } from "../config.ts";
import { pin } from "../ipfs/api.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import { applyEvent, eventModelId, expireGrants } from "./follower/events.ts";
import { isPinned, keptModelIdSet, recordPin, unpinDropped } from "./follower/pins.ts";
import { type FollowerState, loadFollowerState, stateSaver } from "./follower/state.ts";
import { createKeeper, type Keeper } from "./keeper.ts";
import type { NodeWorker } from "./runNode.ts";

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
  const follower = new PinFollower(options);
  return {
    name: "pin-follower",
    start: (ipfs) => follower.start(ipfs),
    stop: () => follower.stop(),
    status: () => follower.status(),
    syncOnce: () => follower.syncOnce(),
  };
}

/** The follower's state and steps; {@link createFollower} is its public face. */
class PinFollower {
  private readonly options: FollowerOptions;
  private readonly log: Logger;
  private readonly stateFile: string;
  private chain!: ChainClient;
  private node!: IpfsNode;
  private state!: FollowerState;
  private keeper: Keeper | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private needsReconcile = true;
  private needsKeeper = true;
  /** Background pins by model id (see reconcile). */
  private readonly pinning = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly save: () => Promise<void>;

  constructor(options: FollowerOptions) {
    this.options = options;
    this.log = options.log;
    this.stateFile = join(options.dataDir, "follower.json");
    this.save = stateSaver(options.dataDir, this.stateFile, () => this.state);
  }

  async start(ipfs: IpfsNode) {
    this.node = ipfs;
    this.chain = await connectChain(this.options.connection);
    this.state = await loadFollowerState(this.chain, this.stateFile, this.log);
    if (this.options.keeper ?? this.options.connection.account !== undefined) {
      this.keeper = await createKeeper({
        chain: this.chain,
        node: this.node,
        log: this.log.child({ worker: "keeper" }),
      });
    }
    this.log.info("following the registry", {
      registry: this.chain.registry,
      fromBlock: this.state.lastBlock + 1,
    });
    this.loop();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopping.abort();
    await this.running;
    await Promise.allSettled(this.pinning.values());
  }

  status() {
    const { state } = this;
    return {
      lastBlock: state?.lastBlock,
      pinnedModels: state ? Object.keys(state.pins).sort((a, b) => Number(a) - Number(b)) : [],
    };
  }

  /** Handles new blocks' events, then brings pins and keyrings in line with the chain. */
  async syncOnce() {
    const head = await this.chain.publicClient.getBlockNumber();
    for (let from = BigInt(this.state.lastBlock + 1); from <= head; from += MAX_RANGE) {
      const to = from + MAX_RANGE - 1n < head ? from + MAX_RANGE - 1n : head;
      await this.handleEvents(from, to);
      // Saved before the pins catch up: every start reconciles with the chain anyway.
      this.state.lastBlock = Number(to);
      await this.save();
    }
    if (this.needsReconcile) await this.reconcile();
    if (this.keeper && (await this.grantsExpired(head))) this.needsKeeper = true;
    if (this.keeper && this.needsKeeper) await this.runKeeper(this.keeper);
  }

  private loop() {
    if (this.stopped) return;
    this.running = this.syncOnce()
      .catch((err: Error) => {
        this.needsReconcile = true;
        this.log.warn("sync failed; will retry", { error: err.message });
      })
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.loop(), this.options.pollMs ?? 1000);
      });
  }

  /** Reads the registry's events in blocks `from..to` and notes what they ask for. */
  private async handleEvents(from: bigint, to: bigint) {
    const events = await this.chain.publicClient.getContractEvents({
      address: this.chain.registry,
      abi: abis.registry,
      fromBlock: from,
      toBlock: to,
    });
    for (const event of events) {
      const effects = applyEvent(this.state, event);
      if (effects.reconcile) this.needsReconcile = true;
      if (effects.keeper) this.needsKeeper = true;
      if (effects.log)
        this.log.info("registry event", {
          event: event.eventName,
          modelId: String(eventModelId(event)),
        });
    }
  }

  /**
   * True when the chain's time at `head` has passed a tracked grant's expiry (which is then
   * forgotten): its patient may hold a wrap it may no longer have.
   */
  private async grantsExpired(head: bigint): Promise<boolean> {
    if (Object.keys(this.state.grantExpiries ?? {}).length === 0) return false;
    const { timestamp } = await this.chain.publicClient.getBlock({ blockNumber: head });
    const expired = expireGrants(this.state, timestamp);
    if (expired) await this.save();
    return expired;
  }

  private async runKeeper(keeper: Keeper) {
    this.needsKeeper = false;
    try {
      await keeper.pass(Object.keys(this.state.pins).map(BigInt));
    } catch (err) {
      this.needsKeeper = true;
      this.log.warn("keeper pass failed; will retry", { error: (err as Error).message });
    }
  }

  /**
   * Makes the pins match what the registry keeps now: unpins what it no longer keeps (at once: no
   * network needed), and starts a background pin for each kept model whose content or current
   * keyring is not pinned yet. A slow or unreachable CID so holds up nothing else; it is retried
   * on the next pass.
   */
  private async reconcile() {
    this.needsReconcile = false;
    const kept = await keptModelIdSet(this.chain);
    await unpinDropped(this.node, this.state, kept, this.log);
    await this.save();
    for (const id of kept) {
      if (this.pinning.has(id)) continue;
      let model: OnChainModel;
      try {
        model = await getModel(this.chain, BigInt(id));
      } catch {
        continue; // left the kept set since it was read: the next pass unpins it
      }
      if (isPinned(this.state, id, model)) continue;
      this.pinning.set(
        id,
        this.pinModel(id, model).finally(() => this.pinning.delete(id)),
      );
    }
  }

  /** Pins one model's content and keyring, then records it (the next pass unpins it if evicted meanwhile). */
  private async pinModel(id: string, model: OnChainModel) {
    try {
      const signal = AbortSignal.any([
        this.stopping.signal,
        AbortSignal.timeout(this.options.pinTimeoutMs ?? 60_000),
      ]);
      await pin(this.node, CID.parse(model.contentCid), signal);
      await pin(this.node, CID.parse(model.keyringCid), signal);
    } catch (err) {
      this.needsReconcile = true;
      if (!this.stopped)
        this.log.warn("pin failed; will retry", { modelId: id, error: (err as Error).message });
      return;
    }
    // The kept set may have changed while the blocks came: check again, and let the keeper look.
    this.needsReconcile = true;
    this.needsKeeper = true;
    try {
      await recordPin(this.node, this.state, id, model);
      this.log.info("pinned", {
        modelId: id,
        content: model.contentCid,
        keyring: model.keyringCid,
      });
      this.options.onPinned?.(BigInt(id));
      await this.save();
    } catch (err) {
      this.log.warn("recording a pin failed; will retry", {
        modelId: id,
        error: (err as Error).message,
      });
    }
  }
}
