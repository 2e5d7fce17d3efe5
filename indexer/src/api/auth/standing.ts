import { ACCOUNT_KINDS, getAccountRoles } from "@neuroledger/chain/actions";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  type PublicClient,
} from "viem";
import { taskDirectoryAbi } from "../../../lib/contracts.ts";
import type { IndexedTask } from "../../../lib/tasks.ts";
import type { Standing } from "./roleCache.ts";

/**
 * The task registries whose staff and auditors may sign in: those the chain's TaskDirectory lists
 * for their task (`registryOf(taskId)`). A deployment file is written by hand when governance adds
 * a task; a registry it names that governance never added (a vote that failed, a typo, an edited
 * file) is administered by whoever deployed it, who could grant `AUDITOR_ROLE` to anyone. Such a
 * registry is left out, with an error in the log naming it and what the directory lists.
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
  const listed = await Promise.all(
    tasks.map(async (t) => {
      const onChain = await client
        .readContract({
          address: directory,
          abi: taskDirectoryAbi,
          functionName: "registryOf",
          args: [t.taskId],
        })
        .catch((error: unknown) => {
          // A revert (TaskDirectoryUnknownTask, or no directory code there) is an answer; a dead
          // RPC is not (viem wraps both in a ContractFunctionExecutionError: look at the cause).
          const reverted =
            error instanceof BaseError &&
            error.walk(
              (e) =>
                e instanceof ContractFunctionRevertedError ||
                e instanceof ContractFunctionZeroDataError,
            );
          if (reverted) return null;
          throw error;
        });
      if (onChain !== null && onChain.toLowerCase() === t.registry.toLowerCase()) return t.registry;
      log(
        `sign-in ignores the registry ${t.registry} the deployment names for task "${t.task}": ` +
          `the TaskDirectory at ${directory} lists ${onChain === null ? "no registry" : onChain} for it`,
      );
      return undefined;
    }),
  );
  return listed.filter((r): r is Address => r !== undefined);
}

/**
 * Reads an account's standing from the task registries (docs/interfaces.md section 14): one
 * `rolesOf` call (`getAccountRoles`) per registry. Staff and `AUDITOR_ROLE` are per registry, so
 * the account stands as staff or auditor when it is one in any task's registry (membership is
 * one for all tasks).
 * @param registries every task registry sign-in may trust, or how to find them once (e.g.
 *   {@link registriesListedOnChain}; a failed lookup is retried at the next sign-in)
 */
export function registryStanding(
  client: PublicClient,
  registries: readonly Address[] | (() => Promise<readonly Address[]>),
) {
  let trusted: Promise<readonly Address[]> | undefined;
  const trustedRegistries = () => {
    if (typeof registries !== "function") return Promise.resolve(registries);
    if (trusted === undefined) {
      trusted = registries();
      trusted.catch(() => {
        trusted = undefined;
      });
    }
    return trusted;
  };
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
