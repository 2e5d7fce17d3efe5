/**
 * Resolves on the first SIGINT or SIGTERM, so a long-running command can stop its parts in order
 * and return through the one exit path. A second signal while stopping exits at once.
 */
export function untilSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let resolveSignal: (signal: NodeJS.Signals) => void = () => {};
  let received = false;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`second ${signal}: exiting now\n`);
      process.exit(130);
    }
    received = true;
    resolveSignal(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    promise,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
