// Entry of the besu-network commands: declares them and owns the one exit path.
import { Command, Option } from "commander";
import { addNode } from "./commands/addNode.ts";
import { generateNetwork } from "./commands/generate.ts";
import { syncAllowlist } from "./commands/syncAllowlist.ts";
import { BesuNetworkError } from "./errors.ts";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const program = new Command("besu-network")
  .description("Generate and operate the consortium's Hyperledger Besu QBFT network")
  .showHelpAfterError();

program
  .command("generate")
  .description(
    "write node keys, genesis, node configs, allowlists, start scripts and docker-compose.yml",
  )
  .requiredOption("--out <dir>", "directory to write the network into")
  .requiredOption("--chain-id <id>", "chain id of the network (pick one no public chain uses)")
  .option("--validators <n>", "number of validators (4 or more tolerate one failure)", "4")
  .option("--rpc-nodes <n>", "number of non-validating RPC nodes for apps and the indexer", "1")
  .option("--block-period <seconds>", "seconds between blocks", "2")
  .option("--request-timeout <seconds>", "QBFT round timeout (default: twice the block period)")
  .option("--epoch-length <blocks>", "blocks per epoch (pending validator votes reset)", "30000")
  .option("--gas-limit <gas>", "block gas limit", "30000000")
  .option(
    "--account <address>",
    "account allowed to transact from genesis and funded (repeat; at least the deployer)",
    collect,
  )
  .option(
    "--host <address>",
    "host in the enode URLs: once for all nodes, or once per node in order",
    collect,
  )
  .option("--p2p-port <port>", "P2P port of the first node (next nodes count up)", "30303")
  .option("--rpc-port <port>", "JSON-RPC port of the first node (next nodes count up)", "8545")
  .option("--metrics-port <port>", "metrics port of the first node (next nodes count up)", "9545")
  .option(
    "--besu-image <image>",
    "Docker image for docker-compose.yml (pin a version in production)",
    "hyperledger/besu:latest",
  )
  .option("--force", "overwrite an existing network, node keys included", false)
  .action(async (options) => {
    const { manifest, outDir } = await generateNetwork({
      ...options,
      account: options.account ?? [],
      host: options.host,
    });
    console.log(
      `Wrote a ${manifest.validators.length}-validator QBFT network (chain id ${manifest.chainId}) to ${outDir}`,
    );
    for (const node of manifest.nodes)
      console.log(`  ${node.name.padEnd(12)} ${node.address}  rpc ${node.rpcUrl}`);
    console.log(
      `Tolerates ${manifest.faultTolerance} validator(s) down. Start: ${outDir}/start-all.sh`,
    );
  });

program
  .command("add-node")
  .description("add a node (a validator-to-be or an RPC node) to a generated network")
  .requiredOption("--network <dir>", "directory written by generate")
  .addOption(
    new Option("--role <role>", "what the node will be")
      .choices(["validator", "rpc"])
      .default("validator"),
  )
  .option("--host <address>", "host in its enode URL (default: the last node's host)")
  .option(
    "--admin-rpc <url>",
    "a running node's JSON-RPC with PERM, to allow the new node at once (repeat)",
    collect,
  )
  .action(async (options) => {
    const node = await addNode({
      network: options.network,
      role: options.role,
      host: options.host,
      adminRpcUrls: options.adminRpc ?? [],
    });
    console.log(`Added ${node.name} (${node.address}) in ${options.network}/${node.dir}`);
    console.log(`  enode ${node.enode}`);
    console.log(
      `  allowed at once on ${node.allowedOn.length} running node(s); the files of every node list it`,
    );
    console.log(
      `Start it: ${options.network}/${node.dir}/start.sh (copy the directory to its host first)`,
    );
    if (node.role === "validator") {
      console.log("Once it is synced, on more than half of the validators:");
      console.log(`  qbft_proposeValidatorVote ["${node.address}", true]`);
    }
  });

program
  .command("sync-allowlist")
  .description(
    "write the accounts allowlist from the registry's members and staff, and apply it to nodes",
  )
  .requiredOption("--rpc <url>", "JSON-RPC endpoint of the chain that holds the registry")
  .requiredOption("--out <file>", "permissions_config.toml to write (its nodes-allowlist is kept)")
  .option(
    "--deployment <file>",
    "deployment file (default: the chain package's deployments/<chainId>.json)",
  )
  .option(
    "--admin-rpc <url>",
    "a Besu node's JSON-RPC with the PERM API to apply the allowlist to (repeat)",
    collect,
  )
  .option(
    "--keep <address>",
    "account that stays allowed whatever the registry says, e.g. the deployer (repeat)",
    collect,
  )
  .addOption(new Option("--timeout <ms>", "timeout of each JSON-RPC call").default("10000"))
  .action(async (options) => {
    const result = await syncAllowlist({
      rpcUrl: options.rpc,
      out: options.out,
      deploymentFile: options.deployment,
      adminRpcUrls: options.adminRpc ?? [],
      keep: options.keep ?? [],
      timeoutMs: Number(options.timeout),
    });
    console.log(
      `Wrote ${result.accounts.length} accounts (${result.members.length} members, ${result.staff.length} staff) to ${options.out}`,
    );
    for (const applied of result.applied) {
      console.log(`  ${applied.rpcUrl}: +${applied.added.length} -${applied.removed.length}`);
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof BesuNetworkError) {
    console.error(`error: ${error.message}`);
    if (error.hint) console.error(`hint: ${error.hint}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
