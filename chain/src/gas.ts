// The gas limit a transaction is sent with: its estimate, with room for the block it lands in.
import type { Hash, PublicClient, WalletClient } from "viem";

/** Percent added to a gas estimate by {@link gasLimitFor}. */
export const GAS_MARGIN_PERCENT = 25n;

/**
 * The gas limit (gas units) for a transaction estimated at `estimate` gas: the estimate + 25 %.
 *
 * An estimate holds for the block it was made against; some calls cost more in a later block. The
 * membership token's vote checkpoints are keyed by block timestamp: an admission estimated within
 * the second of an earlier one updates that second's checkpoint (391,682 gas on anvil), and the
 * same admission mined in the next second writes a new one (414,302), so with the bare estimate as
 * its limit it runs out of gas and reverts. Only the gas used is paid, not the limit.
 */
export function gasLimitFor(estimate: bigint): bigint {
  return estimate + (estimate * GAS_MARGIN_PERCENT) / 100n;
}

/**
 * Writes a contract call with the gas limit {@link gasLimitFor} of its estimate.
 * @param request what viem's `writeContract` takes (address, abi, functionName, args, account, chain)
 * @returns the transaction hash
 */
export async function writeContractWithGasRoom(
  publicClient: Pick<PublicClient, "estimateContractGas">,
  walletClient: Pick<WalletClient, "writeContract">,
  request: object,
): Promise<Hash> {
  // viem cannot follow a generic call through its overloads: callers typed it against its ABI.
  const gas = gasLimitFor(await publicClient.estimateContractGas(request as never));
  return walletClient.writeContract({ ...request, gas } as never);
}
