import { membershipAbi, modelRegistryAbi, type RegistryModel } from "@neuroledger/chain";
import type { Address, PublicClient } from "viem";
import type { AppConfig } from "../config.ts";

export type Contracts = NonNullable<AppConfig["contracts"]>;

/** A kept model as the registry returns it (type derived from the ABI). */
export type ChainModel = RegistryModel;

export const ACCOUNT_KINDS = ["none", "member", "staff", "patient"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export type AccountRoles = {
  kind: AccountKind;
  institutionId: bigint;
  institutionName: string | null;
  institutionActive: boolean;
  publisher: boolean;
  auditor: boolean;
  guardian: boolean;
  admin: boolean;
  encryptionKey: `0x${string}`;
};

export type Institution = {
  id: bigint;
  account: Address;
  admittedAt: bigint;
  name: string;
  metadataURI: string;
};

export async function readInstitution(
  client: PublicClient,
  contracts: Contracts,
  id: bigint,
): Promise<Institution | null> {
  if (id === 0n) return null;
  try {
    const i = await client.readContract({
      address: contracts.membership,
      abi: membershipAbi,
      functionName: "institution",
      args: [id],
    });
    return { id, ...(i as Omit<Institution, "id">) };
  } catch {
    return null; // removed institutions are unknown to the membership contract
  }
}

/** What an account is to the registry (one call), with its institution's name. */
export async function readAccountRoles(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
): Promise<AccountRoles> {
  const r = await client.readContract({
    address: contracts.registry,
    abi: modelRegistryAbi,
    functionName: "rolesOf",
    args: [account],
  });
  const institution = await readInstitution(client, contracts, r.institutionId);
  return {
    ...r,
    kind: ACCOUNT_KINDS[r.kind] ?? "none",
    institutionName: institution?.name ?? null,
  };
}

export async function readModel(
  client: PublicClient,
  contracts: Contracts,
  id: bigint,
): Promise<ChainModel> {
  return (await client.readContract({
    address: contracts.registry,
    abi: modelRegistryAbi,
    functionName: "getModel",
    args: [id],
  })) as ChainModel;
}

export async function readOverview(client: PublicClient, contracts: Contracts) {
  const [latestId, topTen, memberCount] = await Promise.all([
    client.readContract({
      address: contracts.registry,
      abi: modelRegistryAbi,
      functionName: "latestModelId",
    }) as Promise<bigint>,
    client.readContract({
      address: contracts.registry,
      abi: modelRegistryAbi,
      functionName: "topTen",
    }) as Promise<readonly ChainModel[]>,
    client.readContract({
      address: contracts.membership,
      abi: membershipAbi,
      functionName: "memberCount",
    }) as Promise<bigint>,
  ]);
  const latest =
    latestId === 0n
      ? null
      : (topTen.find((m) => m.id === latestId) ?? (await readModel(client, contracts, latestId)));
  const ids = new Set([
    ...topTen.map((m) => m.institutionId),
    ...(latest ? [latest.institutionId] : []),
  ]);
  const institutions = new Map<bigint, Institution>();
  await Promise.all(
    [...ids].map(async (id) => {
      const i = await readInstitution(client, contracts, id);
      if (i) institutions.set(id, i);
    }),
  );
  return { latest, topTen: [...topTen], memberCount, institutions };
}

export async function canDownload(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
  modelId: bigint,
) {
  return (await client.readContract({
    address: contracts.registry,
    abi: modelRegistryAbi,
    functionName: "canDownload",
    args: [account, modelId],
  })) as boolean;
}

export type PatientGrant = {
  modelId: bigint;
  institutionId: bigint;
  expiresAt: bigint;
  active: boolean;
};

/** The models a patient was granted, as the chain says now (latest grant per model; revoked ones dropped). */
export async function readPatientGrants(
  client: PublicClient,
  contracts: Contracts,
  patient: Address,
  fromBlock: bigint,
): Promise<PatientGrant[]> {
  const granted = await client.getContractEvents({
    address: contracts.registry,
    abi: modelRegistryAbi,
    eventName: "PatientAccessGranted",
    args: { patient },
    fromBlock,
  });
  const ids = [...new Set(granted.map((e) => (e.args as { modelId: bigint }).modelId))];
  const now = BigInt(Math.floor(Date.now() / 1000));
  const grants = await Promise.all(
    ids.map(async (modelId) => {
      const g = (await client.readContract({
        address: contracts.registry,
        abi: modelRegistryAbi,
        functionName: "patientGrant",
        args: [patient, modelId],
      })) as { expiresAt: bigint; institutionId: bigint };
      return {
        modelId,
        institutionId: g.institutionId,
        expiresAt: g.expiresAt,
        active: g.expiresAt > now,
      };
    }),
  );
  return grants.filter((g) => g.expiresAt > 0n);
}
