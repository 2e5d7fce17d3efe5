import type { Deployment } from "@neuroledger/chain/deployment";
import { type Address, getAddress, type Hex } from "viem";

/** A task of the consortium as the indexer follows it: its name, id and registry proxy. */
export type IndexedTask = { task: string; taskId: Hex; registry: Address };

/**
 * Every task registry a deployment names (docs/interfaces.md section 14): `contracts.tasks` in
 * order, or, for a deployment made before tasks, the one task `parameters.task` at
 * `contracts.registry` (so older files keep working).
 * @param deployment a parsed deployment file
 * @param source what to name in errors (the file path)
 * @throws Error naming the file and the entry when a registry serves two tasks (the rest of the
 *   list is checked by the chain's deployment schema)
 */
export function tasksOf(deployment: Deployment, source = "deployment"): IndexedTask[] {
  const { contracts, parameters } = deployment;
  const listed = contracts.tasks ?? [
    {
      task: parameters.task,
      taskId: parameters.taskId,
      registry: contracts.registry,
    },
  ];
  const tasks = listed.map((entry) => ({
    task: entry.task,
    taskId: entry.taskId.toLowerCase() as Hex,
    registry: getAddress(entry.registry.address),
  }));
  // The chain's deployment schema has checked each taskId against its name, each name once and
  // the first entry against contracts.registry; a registry listed twice is what is left.
  for (const [i, t] of tasks.entries()) {
    const earlier = tasks.findIndex((o) => o.registry === t.registry);
    if (earlier !== i) {
      throw new Error(
        `Invalid deployment file ${source}: contracts.tasks: [${i}] repeats the registry of [${earlier}] ("${tasks[earlier]?.task}")`,
      );
    }
  }
  return tasks;
}
