import { createConfig, factory } from "ponder";
import { getAbiItem, zeroAddress } from "viem";
import {
  governorAbi,
  loadDeployment,
  membershipAbi,
  registryAbi,
  taskDirectoryAbi,
  timelockAbi,
} from "./lib/contracts.ts";
import { finalityBlocks, readSettings } from "./lib/settings.ts";

const settings = readSettings();
const deployment = loadDeployment(settings.NEUROLEDGER_CHAIN_ID, settings.NEUROLEDGER_DEPLOYMENT);
const startBlock = deployment.startBlock;
// A deployment made before tasks has no directory: the zero address, which emits nothing, keeps
// the two directory entries (and their typed handlers) in the config.
const directory = deployment.taskDirectory ?? zeroAddress;
const taskAdded = getAbiItem({ abi: taskDirectoryAbi, name: "TaskAdded" });
// After the deployment's own blocks the factory finds only tasks added later; a file without
// `deployEndBlock` looks from the start (the deployment's registries are skipped then).
const laterTasksFrom = deployment.endBlock === undefined ? startBlock : deployment.endBlock + 1;

export default createConfig({
  database: settings.DATABASE_URL
    ? { kind: "postgres", connectionString: settings.DATABASE_URL }
    : { kind: "pglite", directory: settings.NEUROLEDGER_PGLITE_DIR },
  chains: {
    consortium: {
      id: settings.NEUROLEDGER_CHAIN_ID,
      rpc: settings.NEUROLEDGER_RPC_URL,
      pollingInterval: settings.NEUROLEDGER_POLLING_MS,
      // Per chain: QBFT finalizes each block when it is sealed (configure 0); a dev node can
      // reorganise, so it gets a depth; unknown chains Ponder's default (30). A reorg deeper than
      // this stops indexing, which `/health` then reports (`finalityBlockCount` comes from
      // patches/ponder@0.17.7.patch).
      finalityBlockCount: finalityBlocks(settings),
    },
  },
  contracts: {
    // Every task's registry the deployment names (docs/interfaces.md section 14) under one entry:
    // they share the ABI and the handlers, one log filter fetches them all from the deploy block,
    // and each event's `log.address` says which registry (so which task) it came from.
    Registry: {
      chain: "consortium",
      abi: registryAbi,
      address: deployment.tasks.map((t) => t.registry),
      startBlock,
    },
    // A registry governance lists later (`TaskDirectory.TaskAdded`), followed from that event on
    // without a restart. Should the factory find one of the deployment's registries (a file
    // without `deployEndBlock`), its events come from `Registry` above and these handlers skip them
    // (src/Registry.ts).
    AddedRegistry: {
      chain: "consortium",
      abi: registryAbi,
      address: factory({
        address: directory,
        event: taskAdded,
        parameter: "registry",
        startBlock: laterTasksFrom,
      }),
      // Ponder wants it no earlier than the factory's; a child's logs start at its TaskAdded anyway.
      startBlock: laterTasksFrom,
    },
    TaskDirectory: {
      chain: "consortium",
      abi: taskDirectoryAbi,
      address: directory,
      startBlock,
    },
    Membership: {
      chain: "consortium",
      abi: membershipAbi,
      address: deployment.addresses.membership,
      startBlock,
    },
    Governor: {
      chain: "consortium",
      abi: governorAbi,
      address: deployment.addresses.governor,
      startBlock,
    },
    Timelock: {
      chain: "consortium",
      abi: timelockAbi,
      address: deployment.addresses.timelock,
      startBlock,
    },
  },
});
