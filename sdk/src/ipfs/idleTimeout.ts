/** An abort signal that fires once nothing has happened for a while; see `idleTimeout`. */
export type IdleTimeout = {
  readonly signal: AbortSignal;
  /** Progress was made: the wait starts again. */
  touch(): void;
  /** The work is over: no abort will come. */
  clear(): void;
  /** True once the signal fired for want of progress. */
  readonly timedOut: boolean;
};

/**
 * Aborts `signal` (with a `TimeoutError`, as `AbortSignal.timeout` does) after `ms` milliseconds
 * without a `touch()`. It bounds how long a transfer may stall, not how long it may take: a large
 * model over a slow link keeps going as long as its blocks keep coming.
 */
export function idleTimeout(ms: number): IdleTimeout {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new DOMException(`no progress for ${ms} ms`, "TimeoutError")),
      ms,
    );
    // In Node, a pending wait must not keep the process alive on its own.
    (timer as { unref?: () => void }).unref?.();
  };
  arm();
  return {
    signal: controller.signal,
    touch: () => {
      if (!controller.signal.aborted) arm();
    },
    clear: () => clearTimeout(timer),
    get timedOut() {
      return controller.signal.aborted;
    },
  };
}
