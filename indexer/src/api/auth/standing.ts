import { ACCOUNT_KINDS, getAccountRoles } from "@neuroledger/chain/actions";
import { type Address, getAddress, type PublicClient } from "viem";
import { taskDirectoryAbi } from "../../../lib/contracts.ts";
import type { IndexedTask } from "../../../lib/tasks.ts";
import type { Standing } from "./roleCache.ts";

/**
 * The task registries whose staff and auditors may sign in: every registry the chain's
 * TaskDirectory lists (`taskCount`, `taskAt`), those of tasks governance added after the
 * deployment file was written included. A deployment file is written by hand when governance adds
 * a task; a registry it names that the directory does not list for its task (a vote that failed,
 * a typo, an edited file) is administered by whoever deployed it, who could grant `AUDITOR_ROLE`
 * to anyone. Such a registry is left out, with an error in the log naming it and what the
 * directory lists for that task.
 * @param directory the deployment's TaskDirectory; undefined for a deployment made before tasks
 *   (its one registry is the deployment's own)
 * @param tasks every task the deployment lists
 * @param log where a left-out registry is reported
 * @throws the RPC's error when the directory cannot be read (nothing is decided then)
 */
export async function registriesListedOnChain(
  client: PublicClient,
  directory: Address | undefined,
  tasks: readonly IndexedTask[],
  log: (line: string) => void = console.error,
): Promise<Address[]> {
  if (directory === undefined) return tasks.map((t) => t.registry);
  const read = { address: directory, abi: taskDirectoryAbi } as const;
  const count = await client.readContract({ ...read, functionName: "taskCount" });
  const listed = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      client.readContract({ ...read, functionName: "taskAt", args: [BigInt(i)] }),
    ),
  );
  const registries = listed.map(([, , registry]) => getAddress(registry));
  for (const t of tasks) {
    if (registries.some((r) => r.toLowerCase() === t.registry.toLowerCase())) continue;
    const onChain = listed.find(([taskId]) => taskId.toLowerCase() === t.taskId.toLowerCase());
    log(
      `sign-in ignores the registry ${t.registry} the deployment names for task "${t.task}": ` +
        `the TaskDirectory at ${directory} lists ${onChain === undefined ? "no registry" : onChain[2]} for it`,
    );
  }
  return registries;
}

/**
 * Reads an account's standing from the task registries (docs/interfaces.md section 14): one
 * `rolesOf` call (`getAccountRoles`) per registry. Staff and `AUDITOR_ROLE` are per registry, so
 * the account stands as staff or auditor when it is one in any task's registry (membership is
 * one for all tasks).
 * @param registries every task registry sign-in may trust, or how to find them (e.g.
 *   {@link registriesListedOnChain}), asked at every read
 */
export function registryStanding(
  client: PublicClient,
  registries: readonly Address[] | (() => Promise<readonly Address[]>),
) {
  // Asked at each standing read (the StandingCache keeps answers for a while): a task governance
  // adds while the indexer runs is trusted from its listing on.
  const trustedRegistries = () =>
    typeof registries === "function" ? registries() : Promise.resolve(registries);
  return async (account: Address): Promise<Standing> => {
    const each = await Promise.all(
      (await trustedRegistries()).map(async (registry) => {
        const roles = await getAccountRoles(client, { registry, account });
        const kind = ACCOUNT_KINDS[roles.kind];
        return {
          member: kind === "member" && roles.institutionActive,
          staff: kind === "staff" && roles.institutionActive,
          auditor: roles.auditor,
        };
      }),
    );
    return {
      member: each.some((s) => s.member),
      staff: each.some((s) => s.staff),
      auditor: each.some((s) => s.auditor),
    };
  };
}
