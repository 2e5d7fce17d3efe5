import type { Address, Client, GetContractEventsErrorType, ReadContractErrorType } from "viem";
import { getContractEvents } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import { getPatientGrant } from "./getPatientGrant.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetPatientGrantsParameters = FromBlockParameter & {
  registry: Address;
  patient: Address;
  /** Seconds since the epoch that `active` is judged at; default now. */
  now?: bigint;
};
export type PatientGrant = {
  modelId: bigint;
  institutionId: bigint;
  /** Seconds since the epoch. */
  expiresAt: bigint;
  /** Not expired at `now`. */
  active: boolean;
};
/** Every model the patient was ever granted whose grant still exists (expired ones included). */
export type GetPatientGrantsReturnType = PatientGrant[];
export type GetPatientGrantsErrorType = GetContractEventsErrorType | ReadContractErrorType;

/**
 * The models a patient was granted, as the chain says now: `PatientAccessGranted` events name the
 * models, `patientGrant` gives each one's current state; revoked grants are dropped.
 * @example const grants = await getPatientGrants(client, { registry, patient, fromBlock });
 */
export async function getPatientGrants(
  client: Client,
  { registry, patient, fromBlock = 0n, now }: GetPatientGrantsParameters,
): Promise<GetPatientGrantsReturnType> {
  const granted = await getContractEvents(client, {
    address: registry,
    abi: modelRegistryAbi,
    eventName: "PatientAccessGranted",
    args: { patient },
    fromBlock,
    strict: true,
  });
  const at = now ?? BigInt(Math.floor(Date.now() / 1000));
  const ids = [...new Set(granted.map((event) => event.args.modelId))];
  const grants = await Promise.all(
    ids.map(async (modelId) => {
      const grant = await getPatientGrant(client, { registry, patient, modelId });
      return { modelId, ...grant, active: grant.expiresAt > at };
    }),
  );
  return grants.filter((grant) => grant.expiresAt > 0n);
}
