import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { up } from "../../src/commands/up.ts";
import { type Connection, resolveConnection } from "../../src/config.ts";
import { NodeClient } from "../../src/ipfs/client.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import type { Stack } from "../../src/stack/schema.ts";
import { chainService } from "../../src/up/chainService.ts";
import { deployService } from "../../src/up/deployService.ts";
import { institutionNodesService } from "../../src/up/institutionNodesService.ts";
import type { UpOptions, UpService } from "../../src/up/service.ts";
import { REPO_ROOT } from "./models.ts";
import { tempDir } from "./nodeProcess.ts";

export interface TestStack {
  stack: Stack;
  dataDir: string;
  /** A connection signing as a dev account, using its institution's node (or `node`). */
  as(name: string, overrides?: { node?: string }): Promise<Connection>;
  nodeOf(institutionIndex: number): NodeClient;
  stop(): Promise<void>;
}

/**
 * A real local stack for tests: anvil (1 s blocks) on a free port, the contracts with the dev
 * consortium, and the three institution nodes, each in its own process. Started through `up`
 * with the services of this package (no indexer, no web app).
 */
export async function startTestStack(
  services: UpService[] = [chainService, deployService, institutionNodesService],
  /** More `up` options (e.g. the institutions' evaluation sets). */
  extraOptions: Partial<UpOptions> = {},
): Promise<TestStack> {
  const dir = await tempDir("stack");
  let release: () => void = () => {};
  const until = new Promise<void>((r) => {
    release = r;
  });
  let ready: (s: Stack) => void = () => {};
  const started = new Promise<Stack>((r) => {
    ready = r;
  });
  const log = process.env.NEUROLEDGER_TEST_LOG ? createLogger() : silentLogger;
  const running = up({
    options: {
      repoRoot: REPO_ROOT,
      dataDir: join(dir.path, "data"),
      chainPort: 0,
      chainId: 31337,
      blockTime: 1,
      gatewayPortBase: 0,
      ...extraOptions,
    },
    services,
    log,
    until,
    onReady: ready,
    print: () => {},
  });
  const stack = await Promise.race([
    started,
    running.then(() => {
      throw new Error("the stack stopped before it was ready");
    }),
  ]);
  return {
    stack,
    dataDir: stack.dataDir,
    async as(name, overrides = {}) {
      const account = stack.accounts.find((a) => a.name === name);
      if (!account) throw new Error(`no dev account ${name}`);
      const institution =
        stack.institutions.find((i) => i.name === account.institution) ?? stack.institutions[1];
      return resolveConnection(
        {
          rpc: stack.chain.rpcUrl,
          key: account.privateKey,
          node: overrides.node ?? institution?.ipfs.gatewayUrl,
          deployment: stack.chain.deploymentFile,
          dataDir: stack.dataDir,
          stack: "",
        },
        {},
      );
    },
    nodeOf: (i) => {
      const institution = stack.institutions[i] as Stack["institutions"][number];
      // Signed in as the institution's member account (members may read every kept model's keyring).
      const member = stack.accounts.find(
        (a) => a.role === "member" && a.address.toLowerCase() === institution.account.toLowerCase(),
      );
      return new NodeClient(
        institution.ipfs.gatewayUrl,
        20_000,
        member ? privateKeyToAccount(member.privateKey as `0x${string}`) : undefined,
      );
    },
    async stop() {
      release();
      await running;
      await dir.remove();
    },
  };
}

/**
 * Polls until `check` returns true, bounded; fails with `what` on timeout. A check may return a
 * string instead of false to say what it still waits for; the timeout error quotes the last one.
 */
export async function eventually(
  what: string,
  check: () => Promise<boolean | string>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let pending = "";
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result === true) return;
      pending = typeof result === "string" ? result : "";
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms${pending ? ` (still waiting for: ${pending})` : ""}${last ? ` (last error: ${(last as Error).message})` : ""}`,
  );
}
