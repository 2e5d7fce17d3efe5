import cliProgress from "cli-progress";

/** Reports bytes done out of a total; the CLI draws a bar, tests pass nothing. */
export type Progress = (done: number, total: number) => void;

/**
 * A byte progress bar on stderr when it is a terminal; otherwise (CI, pipes, tests) nothing is
 * drawn, so logs stay readable.
 */
export function progressBar(label: string): { update: Progress; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(10)} [{bar}] {percentage}% {done}/{all} MB {speed} MB/s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(done, total) {
      const fields = {
        done: (done / 1e6).toFixed(1),
        all: (total / 1e6).toFixed(1),
        speed: (done / 1e3 / Math.max(1, performance.now() - started)).toFixed(1),
      };
      if (!running) {
        bar.start(total, done, fields);
        running = true;
      } else bar.update(done, fields);
    },
    stop() {
      if (running) bar.stop();
    },
  };
}
