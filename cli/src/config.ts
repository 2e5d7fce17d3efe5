import { existsSync } from "node:fs";
import { join } from "node:path";
import { createNonceManager, type Hex, isHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { jsonRpc } from "viem/nonce";
import { InvalidInputError, UsageError } from "./errors.ts";
import type { Stack } from "./stack/schema.ts";

/** Connection flags every chain-facing command accepts (see `withConnectionOptions`). */
export interface ConnectionFlags {
  rpc?: string;
  key?: string;
  /** A dev account of the stack, by name or address (`--as publisher`). */
  as?: string;
  stack?: string;
  /** URL of the institution node used for IPFS (gateway + control API). */
  node?: string;
  /** `chain/deployments/<chainId>.json`, when not taken from the stack. */
  deployment?: string;
  dataDir?: string;
  /** The task whose registry the command reads or acts on (`--task`; default the first task). */
  task?: string;
}

export interface Connection {
  rpcUrl: string;
  deploymentFile?: string;
  stack?: Stack;
  account?: PrivateKeyAccount;
  privateKey?: Hex;
  nodeUrl?: string;
  dataDir: string;
  /** `--task`: the task whose registry the command uses; unset = the deployment's first task. */
  task?: string;
}

export const DEFAULT_DATA_DIR = ".neuroledger";

/**
 * The chain RPC URL from the environment: `NEUROLEDGER_RPC_URL` (the name the indexer and the web
 * app read too), else the older `NEUROLEDGER_RPC`, kept as an alias.
 */
export function rpcUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NEUROLEDGER_RPC_URL || env.NEUROLEDGER_RPC || undefined;
}

/**
 * Resolves where to connect, in this order: flags, then env (`NEUROLEDGER_RPC_URL` or its alias
 * `NEUROLEDGER_RPC`,
 * `NEUROLEDGER_KEY`, `NEUROLEDGER_NODE`, `NEUROLEDGER_STACK`), then the stack file (`--stack`, or
 * `<data dir>/stack.json` when `neuroledger up` is running).
 */
export async function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  if (flags.task !== undefined) await checkTaskFlag(flags.task);
  const dataDir = flags.dataDir ?? env.NEUROLEDGER_DATA_DIR ?? DEFAULT_DATA_DIR;
  const stackFile = flags.stack ?? env.NEUROLEDGER_STACK ?? defaultStackFile(dataDir);
  // Loaded here, not at the top: the schema pulls in zod and the chain package, which `--help` must
  // not load (cli/test/lazyLoad.test.ts).
  const stack = stackFile
    ? await (await import("./stack/schema.ts")).readStack(stackFile)
    : undefined;

  const rpcUrl = flags.rpc ?? rpcUrlFromEnv(env) ?? stack?.chain.rpcUrl;
  if (!rpcUrl) {
    throw new UsageError("no chain RPC URL", {
      hints: [
        "Pass --rpc <url>, set NEUROLEDGER_RPC_URL, or pass --stack <stack.json> (written by `neuroledger up`).",
      ],
    });
  }
  const privateKey = pickKey(flags, env, stack);
  // One nonce sequence per connection: a node's keepers (one per task) send at once from its
  // account. Per connection, not viem's process-wide manager: that one remembers the last nonce per
  // address and chain id, and a process that meets a new chain under the same id (tests, a dev
  // stack restarted) would send past the chain's nonce and wait forever.
  const account = privateKey
    ? privateKeyToAccount(privateKey, { nonceManager: createNonceManager({ source: jsonRpc() }) })
    : undefined;
  const institution = stack && account ? institutionOf(stack, account.address) : undefined;
  const nodeUrl =
    flags.node ??
    env.NEUROLEDGER_NODE ??
    institution?.ipfs.gatewayUrl ??
    stack?.institutions[0]?.ipfs.gatewayUrl;
  return {
    rpcUrl,
    deploymentFile: flags.deployment ?? env.NEUROLEDGER_DEPLOYMENT ?? stack?.chain.deploymentFile,
    stack,
    account,
    privateKey,
    nodeUrl,
    dataDir,
    task: flags.task,
  };
}

/**
 * Refuses a `--task` no TaskDirectory could hold (empty, over 128 bytes, a character outside
 * `a-z 0-9 - _ . /`) before anything is read or sent: the chain's own rule (`taskNameProblem`).
 * The value is not echoed: a control or bidi character would garble the terminal line.
 * @throws InvalidInputError (exit 3, like a task the deployment does not run) naming the problem
 */
async function checkTaskFlag(task: string): Promise<void> {
  // Loaded here for the same reason as the stack schema below (`--help` stays light).
  const { taskNameProblem } = await import("@neuroledger/chain/schemas");
  const problem = taskNameProblem(task);
  if (problem === undefined) return;
  throw new InvalidInputError(`--task: not a task name: it ${problem}`, {
    hints: ["Pass a task as the deployment names it, e.g. brain-tumor-mri/type."],
  });
}

function defaultStackFile(dataDir: string): string | undefined {
  const file = join(dataDir, "stack.json");
  return existsSync(file) ? file : undefined;
}

function pickKey(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  stack: Stack | undefined,
): Hex | undefined {
  if (flags.as) {
    if (!stack)
      throw new UsageError(
        "--as needs a stack file (from `neuroledger up`) to look the account up in",
      );
    const wanted = flags.as.toLowerCase();
    const found = stack.accounts.find(
      (a) => a.name === flags.as || a.address.toLowerCase() === wanted,
    );
    if (!found) {
      throw new UsageError(`no dev account named ${flags.as} in the stack`, {
        hints: [`Known: ${stack.accounts.map((a) => a.name).join(", ")}`],
      });
    }
    return found.privateKey as Hex;
  }
  const key = flags.key ?? env.NEUROLEDGER_KEY;
  if (key === undefined) return undefined;
  const normalized = (key.startsWith("0x") ? key : `0x${key}`) as Hex;
  if (!isHex(normalized) || normalized.length !== 66) {
    throw new UsageError("the private key is not 32 bytes of hex", {
      hints: ["Pass --key 0x<64 hex digits> or set NEUROLEDGER_KEY."],
    });
  }
  return normalized;
}

function institutionOf(stack: Stack, address: string) {
  const account = stack.accounts.find((a) => a.address.toLowerCase() === address.toLowerCase());
  return stack.institutions.find((i) => i.name === account?.institution);
}

export function requireAccount(connection: Connection): PrivateKeyAccount {
  if (!connection.account) {
    throw new UsageError("this command signs transactions and needs an account", {
      hints: ["Pass --key <hex>, set NEUROLEDGER_KEY, or --as <dev account> with a stack file."],
    });
  }
  return connection.account;
}

export function requireNode(connection: Connection): string {
  if (!connection.nodeUrl) {
    throw new UsageError("no institution node to use for IPFS", {
      hints: [
        "Pass --node <url> (the gateway URL `neuroledger node` prints), or set NEUROLEDGER_NODE.",
      ],
    });
  }
  return connection.nodeUrl;
}
