import type { Address, Hex } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { ContractCall } from "./types.ts";

export type SetEncryptionKeyParameters = {
  registry: Address;
  /** X25519 public key, 32 bytes. */
  publicKey: Hex;
};
export type SetEncryptionKeyReturnType = ContractCall<typeof modelRegistryAbi, "setEncryptionKey">;

/**
 * The call that registers the sender's encryption key (members, staff, patients, publishers).
 * @example await walletClient.writeContract({ ...setEncryptionKeyCall({ registry, publicKey }), account, chain });
 */
export function setEncryptionKeyCall({
  registry,
  publicKey,
}: SetEncryptionKeyParameters): SetEncryptionKeyReturnType {
  return {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "setEncryptionKey",
    args: [publicKey],
  };
}
