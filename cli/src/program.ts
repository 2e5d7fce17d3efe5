import { type Command, Option } from "commander";
import { nodeCommand } from "./commands/node.ts";
import type { ConnectionFlags } from "./config.ts";
import type { Logger } from "./log.ts";
import { collect, parsePort, parsePositiveInt } from "./main.ts";

/** Adds the connection flags every chain-facing command takes. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--rpc <url>", "chain JSON-RPC URL").env("NEUROLEDGER_RPC"))
    .addOption(
      new Option("--key <hex>", "private key of the account that signs").env("NEUROLEDGER_KEY"),
    )
    .option("--as <account>", "sign as a dev account of the stack (name or address)")
    .addOption(
      new Option("--stack <file>", "stack.json written by `neuroledger up`").env(
        "NEUROLEDGER_STACK",
      ),
    )
    .addOption(new Option("--node <url>", "institution node (gateway) URL").env("NEUROLEDGER_NODE"))
    .addOption(
      new Option("--deployment <file>", "chain/deployments/<chainId>.json").env(
        "NEUROLEDGER_DEPLOYMENT",
      ),
    )
    .addOption(new Option("--data-dir <dir>", "data directory").env("NEUROLEDGER_DATA_DIR"));
}

export function connectionFlags(opts: Record<string, unknown>): ConnectionFlags {
  const pick = (k: string) => (typeof opts[k] === "string" ? (opts[k] as string) : undefined);
  return {
    rpc: pick("rpc"),
    key: pick("key"),
    as: pick("as"),
    stack: pick("stack"),
    node: pick("node"),
    deployment: pick("deployment"),
    dataDir: pick("dataDir"),
  };
}

/** Declares every command; each action hands off to its function in `commands/`. */
export function registerCommands(program: Command, log: Logger): void {
  withConnectionOptions(
    program
      .command("node")
      .description("run an institution node: Helia, trustless gateway, pin follower and keeper")
      .requiredOption("--name <name>", "institution name (used in logs and node.json)")
      .option("--tcp-port <port>", "libp2p TCP port (0 = any free port)", parsePort, 0)
      .option("--ws-port <port>", "libp2p WebSocket port (0 = any free port)", parsePort, 0)
      .option(
        "--gateway-port <port>",
        "HTTP gateway + control API port (0 = any free port)",
        parsePort,
        0,
      )
      .option("--peer <multiaddr>", "peer to dial, ending in /p2p/<id> (repeatable)", collect, [])
      .option(
        "--fetch-timeout <ms>",
        "how long a gateway request waits for blocks",
        parsePositiveInt,
        30_000,
      )
      .option("--no-follow", "do not follow the chain (no pinning, no keeper): storage only")
      .option("--confirmations <n>", "blocks to wait before acting on an event", parsePositiveInt),
  ).action(async (opts) => {
    await nodeCommand({
      name: opts.name,
      dataDir: opts.dataDir ?? `.neuroledger/${opts.name}`,
      tcpPort: opts.tcpPort,
      wsPort: opts.wsPort,
      gatewayPort: opts.gatewayPort,
      peers: opts.peer,
      fetchTimeoutMs: opts.fetchTimeout,
      follow: opts.follow ? connectionFlags(opts) : undefined,
      log: log.child({ node: opts.name }),
    });
  });
}
