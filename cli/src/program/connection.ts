import { type Command, Option } from "commander";
import { type Connection, type ConnectionFlags, resolveConnection } from "../config.ts";

/**
 * Adds the connection flags every chain-facing command takes. The chain RPC is `--rpc` or
 * `NEUROLEDGER_RPC_URL` (the name the indexer and web app use); `NEUROLEDGER_RPC` is still read
 * as an alias (see `config.ts`).
 */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--rpc <url>", "chain JSON-RPC URL (env NEUROLEDGER_RPC_URL)"))
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
    .addOption(new Option("--data-dir <dir>", "data directory").env("NEUROLEDGER_DATA_DIR"))
    .addOption(
      new Option(
        "--task <name>",
        // The chain package (where the task names live) is not loaded for --help: named in words.
        "task whose models the command reads or acts on (default: the binary tumor task; publish takes the card's)",
      ),
    );
}

/** The connection flags of a command's parsed options (strings only; anything else is unset). */
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
    task: pick("task"),
  };
}

/** Resolves where a command connects (flags, then env, then the stack file; see `config.ts`). */
export function connect(opts: Record<string, unknown>): Promise<Connection> {
  return resolveConnection(connectionFlags(opts));
}
