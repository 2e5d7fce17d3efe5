import { DEFAULT_DATA_DIR, rpcUrlFromEnv } from "../../config.ts";
import { connectionFlags, withConnectionOptions } from "../connection.ts";
import { collect, parsePort, parsePositiveInt } from "../parsers.ts";
import type { CommandDeclaration } from "../types.ts";

/** `neuroledger node`: an institution node (Helia, gateway, pin follower, keeper). */
export const declareNode: CommandDeclaration = (program, { log }) => {
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
        "--allow-peer <peerId>",
        "another member institution's node that may connect (repeatable; --peer ids are allowed too)",
        collect,
        [],
      )
      .option(
        "--public-url <url>",
        "the gateway's URL as readers reach it (sign-in domain; default its own 127.0.0.1 URL)",
      )
      .option(
        "--fetch-timeout <ms>",
        "how long a gateway request waits for blocks",
        parsePositiveInt,
        30_000,
      )
      .option(
        "--poll <ms>",
        "how often the follower asks the chain for new blocks",
        parsePositiveInt,
        1000,
      )
      .option(
        "--evaluate-on <[task=]dir>",
        "private labelled folder <dir>/<class>/<images> of a task (default the first task; repeatable, one per task): evaluate every kept and newly published model of that task on it and submit the figures as this node's institution (images never leave this machine)",
        collect,
        [],
      )
      .option("--no-follow", "do not follow the chain (no pinning, no keeper): storage only"),
  ).action(async (opts) => {
    const follow = opts.follow && (opts.rpc || opts.stack || rpcUrlFromEnv());
    await (await import("../../commands/node.ts")).nodeCommand({
      name: opts.name,
      dataDir: opts.dataDir ?? `${DEFAULT_DATA_DIR}/nodes/${opts.name}`,
      tcpPort: opts.tcpPort,
      wsPort: opts.wsPort,
      gatewayPort: opts.gatewayPort,
      peers: opts.peer,
      allowPeers: opts.allowPeer,
      publicUrl: opts.publicUrl,
      fetchTimeoutMs: opts.fetchTimeout,
      pollMs: opts.poll,
      evaluateOn: opts.evaluateOn,
      follow: follow ? { ...connectionFlags(opts), dataDir: undefined } : undefined,
      log: log.child({ node: opts.name }),
    });
  });
};
