import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { membershipAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetInstitutionParameters = BlockParameter & {
  membership: Address;
  institutionId: bigint;
};
export type Institution = {
  id: bigint;
  /** The member account holding the institution's membership token. */
  account: Address;
  /** Seconds since the epoch. */
  admittedAt: bigint;
  name: string;
  metadataURI: string;
};
/** The institution, or null for id 0 and for ids the membership contract does not know (removed). */
export type GetInstitutionReturnType = Institution | null;
export type GetInstitutionErrorType = ReadContractErrorType;

/**
 * A member institution's profile.
 * @example const institution = await getInstitution(client, { membership, institutionId: 1n });
 */
export async function getInstitution(
  client: Client,
  { membership, institutionId, blockNumber }: GetInstitutionParameters,
): Promise<GetInstitutionReturnType> {
  if (institutionId === 0n) return null;
  try {
    const profile = await readContract(client, {
      address: membership,
      abi: membershipAbi,
      functionName: "institution",
      args: [institutionId],
      blockNumber,
    });
    return { id: institutionId, ...profile };
  } catch {
    return null; // removed institutions are unknown to the membership contract (it reverts)
  }
}
