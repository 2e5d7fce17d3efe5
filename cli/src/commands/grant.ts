import type { Address } from "viem";
import { abis, connectChain } from "../chain/client.ts";
import type { Connection } from "../config.ts";
import { InvalidInputError } from "../errors.ts";

export interface GrantParameters {
  connection: Connection;
  patient: Address;
  modelId: bigint;
  /** Access lasts this many days from now (ignored with `revoke`). */
  days?: number;
  revoke?: boolean;
}

/** The registry's `MAX_GRANT_DURATION` (3650 days): a longer grant is refused on chain too. */
export const MAX_GRANT_DAYS = 3650;

/**
 * `neuroledger grant`: a member institution's own account grants a patient access to one model
 * until an expiry (at most {@link MAX_GRANT_DAYS} days), or revokes it. Staff accounts cannot
 * (the registry answers `RegistryStaffCannotActForInstitution`). The keeper then wraps the model's
 * key for the patient once the patient has registered an encryption key.
 */
export async function grant(params: GrantParameters) {
  const chain = await connectChain(params.connection);
  if (params.revoke) {
    const { hash } = await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "revokePatientAccess",
      args: [params.patient, params.modelId],
    });
    return {
      patient: params.patient,
      modelId: params.modelId.toString(),
      revoked: true,
      txHash: hash,
    };
  }
  const days = params.days ?? 30;
  if (!(days > 0)) throw new InvalidInputError(`--days must be positive, got ${days}`);
  if (days > MAX_GRANT_DAYS)
    throw new InvalidInputError(
      `--days ${days} is more than the longest grant the registry accepts (${MAX_GRANT_DAYS} days)`,
    );
  const block = await chain.publicClient.getBlock();
  const expiresAt = block.timestamp + BigInt(Math.round(days * 86_400));
  const { hash } = await chain.write({
    address: chain.registry,
    abi: abis.registry,
    functionName: "grantPatientAccess",
    args: [params.patient, params.modelId, expiresAt],
  });
  return {
    patient: params.patient,
    modelId: params.modelId.toString(),
    expiresAt: new Date(Number(expiresAt) * 1000).toISOString(),
    txHash: hash,
  };
}
