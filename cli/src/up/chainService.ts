import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createPublicClient, http } from "viem";
import { spawnChild, waitFor } from "./childProcess.ts";
import type { UpService } from "./service.ts";

/** The anvil wrapper script shipped in @foundry-rs/anvil (it runs the platform binary). */
function anvilScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
}

/**
 * A local chain node: anvil on 127.0.0.1 (the same flags as `pnpm -C chain node`), Hardhat's
 * default dev accounts, a block every `blockTime` seconds, transactions mined at once.
 */
export const chainService: UpService = {
  name: "chain",
  async start(ctx) {
    const { options } = ctx;
    let port = options.chainPort;
    let child: ReturnType<typeof spawnChild> | undefined;
    // Port 0: anvil cannot pick one itself, so try free-looking ports until one binds.
    for (let attempt = 0; attempt < 5 && !child; attempt++) {
      const tryPort = port || 20_000 + Math.floor(Math.random() * 30_000);
      let listening = false;
      const c = spawnChild(
        process.execPath,
        [
          anvilScript(),
          "--host",
          "127.0.0.1",
          "--port",
          String(tryPort),
          "--chain-id",
          String(options.chainId),
          "--hardfork",
          "cancun",
          "--block-time",
          String(options.blockTime),
          // Transactions are mined at once, and a block still comes every `blockTime` seconds.
          "--mixed-mining",
          "--silent",
        ],
        { log: ctx.log, name: "anvil", onLine: (l) => (listening ||= l.includes("Listening")) },
      );
      const rpcUrl = `http://127.0.0.1:${tryPort}`;
      try {
        await waitFor(
          `anvil on ${rpcUrl}`,
          async () =>
            (await createPublicClient({
              transport: http(rpcUrl, { timeout: 1000, retryCount: 0 }),
            }).getChainId()) || undefined,
          { timeoutMs: 20_000, child: c, signal: ctx.signal },
        );
        child = c;
        port = tryPort;
      } catch (err) {
        await c.stop(1000);
        if (options.chainPort) throw err;
      }
    }
    if (!child) throw new Error("could not start anvil on a free port");
    const rpcUrl = `http://127.0.0.1:${port}`;
    ctx.stack.rpcUrl = rpcUrl;
    ctx.log.info("chain ready", { rpcUrl, pid: child.process.pid });
    const running = child;
    return {
      summary: [
        `chain      ${rpcUrl} (chain id ${options.chainId}, ${options.blockTime} s blocks)`,
      ],
      stop: () => running.stop(),
    };
  },
};
