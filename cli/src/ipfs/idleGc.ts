/**
 * Runs Helia's garbage collection only while no add or pin is under way. Helia's gc deletes every
 * block that no pin holds, and a block just added or fetched is unpinned until its pin is
 * written: a gc in that window would delete it from under the pin. So adds and pins wait for a
 * running gc, and a gc asked for while they run starts when the last one ends.
 */
export class IdleGarbageCollector {
  readonly #collect: () => Promise<void>;
  readonly #onError: (error: Error) => void;
  #active = 0;
  #wanted = false;
  #running: Promise<void> | undefined;

  constructor(collect: () => Promise<void>, onError: (error: Error) => void) {
    this.#collect = collect;
    this.#onError = onError;
  }

  /** Runs `work` (an add or a pin) with no gc beside it. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    while (this.#running) await this.#running;
    this.#active += 1;
    try {
      return await work();
    } finally {
      this.#active -= 1;
      this.#startIfIdle();
    }
  }

  /** Asks for a gc: now if nothing is being added or pinned, else when the last of that ends. */
  request(): void {
    this.#wanted = true;
    this.#startIfIdle();
  }

  /** Resolves when no gc is running (before the stores close). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #startIfIdle(): void {
    if (!this.#wanted || this.#active > 0 || this.#running) return;
    this.#wanted = false;
    this.#running = this.#collect()
      .catch((error: Error) => this.#onError(error))
      .finally(() => {
        this.#running = undefined;
        this.#startIfIdle();
      });
  }
}
