import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetPatientGrantParameters = BlockParameter & {
  registry: Address;
  patient: Address;
  modelId: bigint;
};
/** `expiresAt` in seconds (0n: no grant, or revoked) and the granting institution. */
export type GetPatientGrantReturnType = { expiresAt: bigint; institutionId: bigint };
export type GetPatientGrantErrorType = ReadContractErrorType;

/**
 * A patient's grant for one model.
 * @example const { expiresAt } = await getPatientGrant(client, { registry, patient, modelId });
 */
export async function getPatientGrant(
  client: Client,
  { registry, patient, modelId, blockNumber }: GetPatientGrantParameters,
): Promise<GetPatientGrantReturnType> {
  const grant = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "patientGrant",
    args: [patient, modelId],
    blockNumber,
  });
  return { expiresAt: grant.expiresAt, institutionId: grant.institutionId };
}
