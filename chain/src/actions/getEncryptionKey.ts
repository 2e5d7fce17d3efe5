import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetEncryptionKeyParameters = BlockParameter & { registry: Address; account: Address };
/** The account's X25519 public key (32 bytes), or 32 zero bytes when it registered none. */
export type GetEncryptionKeyReturnType = Hex;
export type GetEncryptionKeyErrorType = ReadContractErrorType;

/**
 * @example const key = await getEncryptionKey(client, { registry, account });
 */
export async function getEncryptionKey(
  client: Client,
  { registry, account, blockNumber }: GetEncryptionKeyParameters,
): Promise<GetEncryptionKeyReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "encryptionKeyOf",
    args: [account],
    blockNumber,
  });
}
