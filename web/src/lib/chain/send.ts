import { writeContractWithGasRoom } from "@neuroledger/chain";
import type { ContractCall } from "@neuroledger/chain/actions";
import type { Hash } from "viem";
import type { Wallet } from "../wallet/wallet.svelte.ts";

type WalletClient = Awaited<ReturnType<Wallet["walletClient"]>>;

/**
 * Sends `call` from the connected wallet. The gas limit is the estimate with room for the block
 * the transaction lands in (`gasLimitFor` of @neuroledger/chain: an admission executed in a later
 * second than it was estimated in costs more), so a wallet that takes the limit as given does not
 * run it out of gas.
 * @returns the transaction hash
 */
export async function sendCall(
  wallet: Wallet,
  client: WalletClient,
  call: ContractCall,
): Promise<Hash> {
  return writeContractWithGasRoom(wallet.publicClient, client, {
    ...call,
    account: client.account.address,
    chain: wallet.chain,
  });
}
