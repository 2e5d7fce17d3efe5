import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { membershipAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetMemberCountParameters = BlockParameter & { membership: Address };
/** How many institutions are members now (each holds one vote). */
export type GetMemberCountReturnType = bigint;
export type GetMemberCountErrorType = ReadContractErrorType;

/**
 * @example const members = await getMemberCount(client, { membership });
 */
export async function getMemberCount(
  client: Client,
  { membership, blockNumber }: GetMemberCountParameters,
): Promise<GetMemberCountReturnType> {
  return readContract(client, {
    address: membership,
    abi: membershipAbi,
    functionName: "memberCount",
    blockNumber,
  });
}
