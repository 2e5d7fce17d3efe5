import { createConfig } from "ponder";
import {
  governorAbi,
  loadDeployment,
  membershipAbi,
  registryAbi,
  timelockAbi,
} from "./lib/contracts.ts";
import { finalityBlocks, readSettings } from "./lib/settings.ts";

const settings = readSettings();
const deployment = loadDeployment(settings.NEUROLEDGER_CHAIN_ID, settings.NEUROLEDGER_DEPLOYMENT);
const startBlock = deployment.startBlock;

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
    // Every task's registry (docs/interfaces.md section 14) under one entry: they share the ABI
    // and the handlers, one log filter fetches them all, and each event's `log.address` says
    // which registry (so which task) it came from. A task governance adds later is indexed after
    // a restart with the new deployment file (on a fresh schema: see README, "Tasks").
    Registry: {
      chain: "consortium",
      abi: registryAbi,
      address: deployment.tasks.map((t) => t.registry),
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
