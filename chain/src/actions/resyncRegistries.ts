import type { Address, Client, GetContractEventsErrorType } from "viem";
import { getContractEvents } from "viem/actions";
import { membershipAbi, taskDirectoryAbi } from "../../abi/index.ts";
import type { ContractCall, FromBlockParameter } from "./types.ts";

/** An institution the Membership removed, and the account it was admitted with. */
export type Removal = { institutionId: bigint; account: Address };

export type GetRemovalsParameters = FromBlockParameter & { membership: Address };
export type GetRemovalsErrorType = GetContractEventsErrorType;

/**
 * Every institution the Membership removed (its `InstitutionRemoved` events, oldest first): what
 * `TaskDirectory.resync` needs to undo in registries that missed a removal.
 * @example const removed = await getRemovals(client, { membership, fromBlock });
 */
export async function getRemovals(
  client: Client,
  { membership, fromBlock = 0n }: GetRemovalsParameters,
): Promise<Removal[]> {
  const events = await getContractEvents(client, {
    address: membership,
    abi: membershipAbi,
    eventName: "InstitutionRemoved",
    fromBlock,
    strict: true,
  });
  return events.map((e) => ({ institutionId: e.args.institutionId, account: e.args.account }));
}

export type ResyncParameters = { taskDirectory: Address; removed: readonly Removal[] };
export type ResyncReturnType = ContractCall<typeof taskDirectoryAbi, "resync">;

/**
 * The TaskDirectory call that brings every task's registry back in step with the Membership
 * (after the Membership's observer pointed elsewhere for a while): undoes the given removals where
 * a registry still holds them, and tells every registry of every current member. Anyone may send
 * it (docs/interfaces.md section 14).
 * @example await walletClient.writeContract({ ...resyncCall({ taskDirectory, removed: await getRemovals(client, { membership }) }), account, chain });
 */
export function resyncCall({ taskDirectory, removed }: ResyncParameters): ResyncReturnType {
  return {
    address: taskDirectory,
    abi: taskDirectoryAbi,
    functionName: "resync",
    args: [removed.map((r) => ({ institutionId: r.institutionId, account: r.account }))],
  };
}
