// The gas limit a transaction is sent with: its estimate, with room for the block it lands in.

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
