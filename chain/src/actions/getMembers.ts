import type { Address, Client, GetContractEventsErrorType, ReadContractErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { membershipAbi, modelRegistryAbi } from "../../abi/index.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetMembersParameters = FromBlockParameter & {
  membership: Address;
  registry: Address;
};
export type Member = {
  id: bigint;
  account: Address;
  name: string;
  /** Seconds since the epoch. */
  admittedAt: bigint;
  /** Its staff accounts now. */
  staff: Address[];
};
/** The member institutions now, by id, with their staff. */
export type GetMembersReturnType = Member[];
export type GetMembersErrorType = GetContractEventsErrorType | ReadContractErrorType;

/**
 * Members and their staff, rebuilt from the contracts' events (no indexer needed).
 * @example const members = await getMembers(client, { membership, registry, fromBlock });
 */
export async function getMembers(
  client: Client,
  { membership, registry, fromBlock = 0n }: GetMembersParameters,
): Promise<GetMembersReturnType> {
  const scan = { fromBlock, strict: true } as const;
  const [admitted, removed, staffAdded, staffRemoved] = await Promise.all([
    getContractEvents(client, {
      address: membership,
      abi: membershipAbi,
      eventName: "InstitutionAdmitted",
      ...scan,
    }),
    getContractEvents(client, {
      address: membership,
      abi: membershipAbi,
      eventName: "InstitutionRemoved",
      ...scan,
    }),
    getContractEvents(client, {
      address: registry,
      abi: modelRegistryAbi,
      eventName: "StaffAdded",
      ...scan,
    }),
    getContractEvents(client, {
      address: registry,
      abi: modelRegistryAbi,
      eventName: "StaffRemoved",
      ...scan,
    }),
  ]);
  const gone = new Set(removed.map((event) => event.args.institutionId));
  const staff = new Map<bigint, Set<Address>>();
  const changes = [
    ...staffAdded.map((event) => ({ event, add: true })),
    ...staffRemoved.map((event) => ({ event, add: false })),
  ].sort((a, b) =>
    a.event.blockNumber === b.event.blockNumber
      ? a.event.logIndex - b.event.logIndex
      : Number(a.event.blockNumber - b.event.blockNumber),
  );
  for (const { event, add } of changes) {
    const { account, institutionId } = event.args;
    const set = staff.get(institutionId) ?? new Set<Address>();
    if (add) set.add(account);
    else set.delete(account);
    staff.set(institutionId, set);
  }
  const members = await Promise.all(
    admitted
      .map((event) => event.args)
      .filter((args) => !gone.has(args.institutionId))
      .map(async (args) => {
        const profile = await readContract(client, {
          address: membership,
          abi: membershipAbi,
          functionName: "institution",
          args: [args.institutionId],
        });
        return {
          id: args.institutionId,
          account: args.account,
          name: profile.name,
          admittedAt: profile.admittedAt,
          staff: [...(staff.get(args.institutionId) ?? [])],
        };
      }),
  );
  return members.sort((a, b) => Number(a.id - b.id));
}
