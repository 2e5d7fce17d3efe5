/** What the monitor reads: the block Ponder has indexed, and the chain's head. */
export type LivenessProbe = {
  indexedBlock(): Promise<number | undefined>;
  headBlock(): Promise<number>;
};

/**
 * Watches live indexing: when the indexed block has not moved for `stallMs` while the chain's
 * head is ahead of it (or the head cannot be read for that long), `problem()` names it, and
 * Ponder's `/health` and `/ready` answer 503 with that text (hook added by
 * patches/ponder@0.17.7.patch). A reorg deeper than the finality depth stops Ponder's live sync
 * for good while its server keeps answering: this is what makes that visible.
 */
export class LivenessMonitor {
  readonly #probe: LivenessProbe;
  readonly #stallMs: number;
  #indexed: number | undefined;
  #head: number | undefined;
  #lastProgress: number;
  #lastHead: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(probe: LivenessProbe, stallMs: number, now = Date.now()) {
    this.#probe = probe;
    this.#stallMs = stallMs;
    this.#lastProgress = now;
    this.#lastHead = now;
  }

  /** One observation; `start` calls it on a timer. */
  async observe(now = Date.now()): Promise<void> {
    const [indexed, head] = await Promise.all([
      this.#probe.indexedBlock().catch(() => this.#indexed),
      this.#probe.headBlock().catch(() => undefined),
    ]);
    if (head !== undefined) {
      this.#head = head;
      this.#lastHead = now;
    }
    const moved = indexed !== undefined && indexed !== this.#indexed;
    const caughtUp = indexed !== undefined && this.#head !== undefined && indexed >= this.#head;
    if (moved || caughtUp) this.#lastProgress = now;
    this.#indexed = indexed;
  }

  problem(now = Date.now()): string | undefined {
    if (now - this.#lastHead > this.#stallMs) {
      return `the chain's RPC has not answered for ${Math.round((now - this.#lastHead) / 1000)} s`;
    }
    // Before the first indexed block (database starting, first backfill chunk) Ponder's own
    // `/ready` speaks; a stall is progress that stopped.
    if (this.#indexed !== undefined && now - this.#lastProgress > this.#stallMs) {
      return `indexing stalled: at block ${this.#indexed ?? "none"} for ${Math.round((now - this.#lastProgress) / 1000)} s while the chain is at block ${this.#head}`;
    }
    return undefined;
  }

  start(intervalMs: number): this {
    this.#timer = setInterval(() => void this.observe(), intervalMs);
    this.#timer.unref();
    return this;
  }

  stop() {
    clearInterval(this.#timer);
  }
}

/** Block number inside one of Ponder's encoded checkpoints (10 digits time, 16 chain, 16 block...). */
export function checkpointBlock(checkpoint: string): number {
  return Number(checkpoint.slice(26, 42));
}
