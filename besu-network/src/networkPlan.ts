import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { formatEnode } from "./enode.ts";
import { InvalidInputError } from "./errors.ts";
import { createNodeKey, type NodeKey } from "./nodeKey.ts";

/** A node is a validator (signs blocks) or an RPC node (serves apps, signs nothing). */
export type NodeRole = "validator" | "rpc";

/** One node of the network, with everything its files need. */
export type PlannedNode = {
  name: string;
  role: NodeRole;
  key: NodeKey;
  host: string;
  p2pPort: number;
  rpcPort: number;
  metricsPort: number;
  enode: string;
};

/** The whole network: the input of every file renderer. */
export type NetworkPlan = {
  chainId: number;
  blockPeriodSeconds: number;
  requestTimeoutSeconds: number;
  epochLength: number;
  gasLimit: bigint;
  /** Accounts allowed to send transactions from block 0 (e.g. the deployer), funded in genesis. */
  accounts: Address[];
  nodes: PlannedNode[];
  /** Validator addresses in ascending order, as the genesis extraData lists them. */
  validators: Address[];
  /** Enode URLs every node dials at start-up. */
  bootnodes: string[];
  besuImage: string;
  /** Unix seconds of the genesis block. */
  genesisTimestamp: number;
};

const port = z.coerce.number().int().min(1).max(65535);

/** Options of `generate`, as the CLI passes them (strings are coerced and checked here). */
export const generateOptionsSchema = z
  .object({
    validators: z.coerce.number().int().min(1).max(64).default(4),
    rpcNodes: z.coerce.number().int().min(0).max(16).default(1),
    chainId: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 53 - 1),
    blockPeriod: z.coerce.number().int().min(1).max(3600).default(2),
    requestTimeout: z.coerce.number().int().min(1).max(36000).optional(),
    epochLength: z.coerce.number().int().min(1).default(30000),
    gasLimit: z.coerce.bigint().min(5000n).default(30_000_000n),
    host: z.array(z.string().min(1)).default(["127.0.0.1"]),
    p2pPort: port.default(30303),
    rpcPort: port.default(8545),
    metricsPort: port.default(9545),
    account: z.array(z.string()).min(1, {
      error:
        "give at least one --account (the deployer): with account permissioning on, nobody else may send a transaction",
    }),
    besuImage: z.string().min(1).default("hyperledger/besu:latest"),
    out: z.string().min(1),
    force: z.boolean().default(false),
  })
  .refine((o) => o.requestTimeout === undefined || o.requestTimeout > o.blockPeriod, {
    error: "--request-timeout must be longer than --block-period, or every round times out",
    path: ["requestTimeout"],
  });

export type GenerateOptionsInput = z.input<typeof generateOptionsSchema>;
export type GenerateOptions = z.output<typeof generateOptionsSchema>;

/** Checks `generate`'s options; the error names each bad option. */
export function parseGenerateOptions(input: GenerateOptionsInput): GenerateOptions {
  const parsed = generateOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const option = String(issue.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return `  --${option}: ${issue.message}`;
    });
    throw new InvalidInputError(`Invalid options:\n${problems.join("\n")}`, {
      hint: "Run with --help for the options.",
    });
  }
  return parsed.data;
}

/** How many validators may stop before block production halts: QBFT needs more than 2/3 online. */
export function faultTolerance(validators: number): number {
  return Math.floor((validators - 1) / 3);
}

/** Creates keys and assigns names, hosts and ports to every node. */
export function planNetwork(options: GenerateOptions, now = new Date()): NetworkPlan {
  const total = options.validators + options.rpcNodes;
  if (options.host.length !== 1 && options.host.length !== total) {
    throw new InvalidInputError(`Got ${options.host.length} --host values for ${total} nodes`, {
      hint: "Give one --host for all nodes, or one per node in order (validators first).",
    });
  }
  const accounts = options.account.map((account) => {
    if (!isAddress(account, { strict: false })) {
      throw new InvalidInputError(`--account ${account} is not an address`);
    }
    return getAddress(account);
  });
  const roles: NodeRole[] = [
    ...Array<NodeRole>(options.validators).fill("validator"),
    ...Array<NodeRole>(options.rpcNodes).fill("rpc"),
  ];
  const counters = { validator: 0, rpc: 0 };
  const nodes = roles.map((role, index): PlannedNode => {
    counters[role] += 1;
    const key = createNodeKey();
    const host = options.host[options.host.length === 1 ? 0 : index] as string;
    const p2pPort = options.p2pPort + index;
    return {
      name: `${role}-${counters[role]}`,
      role,
      key,
      host,
      p2pPort,
      rpcPort: options.rpcPort + index,
      metricsPort: options.metricsPort + index,
      enode: formatEnode({ enodeId: key.enodeId, host, port: p2pPort }),
    };
  });
  const validatorNodes = nodes.filter((n) => n.role === "validator");
  const validators = validatorNodes
    .map((n) => n.key.address)
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return {
    chainId: options.chainId,
    blockPeriodSeconds: options.blockPeriod,
    requestTimeoutSeconds: options.requestTimeout ?? 2 * options.blockPeriod,
    epochLength: options.epochLength,
    gasLimit: options.gasLimit,
    accounts,
    nodes,
    validators,
    // Production advice is two or more bootnodes, so one can be down while others join.
    bootnodes: validatorNodes.slice(0, 2).map((n) => n.enode),
    besuImage: options.besuImage,
    genesisTimestamp: Math.floor(now.getTime() / 1000),
  };
}
