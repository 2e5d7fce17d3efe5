import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { membershipAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type IsMemberParameters = BlockParameter & { membership: Address; account: Address };
/** True while the account holds a membership token (a member institution's own account). */
export type IsMemberReturnType = boolean;
export type IsMemberErrorType = ReadContractErrorType;

/**
 * @example if (await isMember(client, { membership, account })) { ... }
 */
export async function isMember(
  client: Client,
  { membership, account, blockNumber }: IsMemberParameters,
): Promise<IsMemberReturnType> {
  return readContract(client, {
    address: membership,
    abi: membershipAbi,
    functionName: "isMember",
    args: [account],
    blockNumber,
  });
}
