import { ponder } from "ponder:registry";
import { task } from "ponder:schema";
import type { Address } from "viem";
import { taskDirectoryAbi } from "../lib/contracts.ts";
import { logOtherEvents } from "../lib/eventLog.ts";

// Every task the directory lists, the deployment's and those governance adds later: the `task`
// table is where a later task's registry gets its name (src/Registry.ts) and `?task=` its list.
ponder.on("TaskDirectory:TaskAdded", async ({ event, context }) => {
  await context.db
    .insert(task)
    .values({
      registry: event.args.registry.toLowerCase() as Address,
      taskId: event.args.taskId,
      task: event.args.task,
      blockNumber: event.block.number,
      logIndex: event.log.logIndex,
      txHash: event.transaction.hash,
      timestamp: event.block.timestamp,
    })
    // The directory refuses a registry twice (TaskDirectoryRegistryInUse); keep the first.
    .onConflictDoNothing();
});

logOtherEvents("TaskDirectory", taskDirectoryAbi, new Set(["TaskAdded"]));
