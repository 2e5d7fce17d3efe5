// The registry reads the pages use: thin adapters over @neuroledger/chain/actions (one
// implementation of each read, shared with the cli), shaped for the app (role names, overview).

import type { RegistryModel } from "@neuroledger/chain";
import {
  ACCOUNT_KINDS,
  type AccountKindName,
  canDownload as canDownloadOnChain,
  getAccountRoles,
  getInstitution,
  getLatestModelId,
  getMemberCount,
  getModel,
  getPatientGrants,
  getTopTen,
  type Institution,
  type PatientGrant,
} from "@neuroledger/chain/actions";
import type { Address, PublicClient } from "viem";
import type { AppConfig } from "../config.ts";

export type Contracts = NonNullable<AppConfig["contracts"]>;

/** A kept model as the registry returns it (type derived from the ABI). */
export type ChainModel = RegistryModel;

export { ACCOUNT_KINDS };
export type AccountKind = AccountKindName;
export type { Institution, PatientGrant };

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

/** A member institution's profile; null for id 0 and removed institutions. */
export function readInstitution(
  client: PublicClient,
  contracts: Contracts,
  id: bigint,
): Promise<Institution | null> {
  return getInstitution(client, { membership: contracts.membership, institutionId: id });
}

/** What an account is to the registry (one call), with its institution's name. */
export async function readAccountRoles(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
): Promise<AccountRoles> {
  const r = await getAccountRoles(client, { registry: contracts.registry, account });
  const institution = await readInstitution(client, contracts, r.institutionId);
  return {
    ...r,
    kind: ACCOUNT_KINDS[r.kind] ?? "none",
    institutionName: institution?.name ?? null,
  };
}

/** A kept model; rejects (the registry reverts) for one that is not kept. */
export function readModel(
  client: PublicClient,
  contracts: Contracts,
  id: bigint,
): Promise<ChainModel> {
  return getModel(client, { registry: contracts.registry, modelId: id });
}

/** The home page's view: the latest model, the top ten, the member count and their institutions. */
export async function readOverview(client: PublicClient, contracts: Contracts) {
  const [latestId, topTen, memberCount] = await Promise.all([
    getLatestModelId(client, { registry: contracts.registry }),
    getTopTen(client, { registry: contracts.registry }),
    getMemberCount(client, { membership: contracts.membership }),
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
  return { latest, topTen, memberCount, institutions };
}

/** Whether `account` may download `modelId` now. */
export function canDownload(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
  modelId: bigint,
): Promise<boolean> {
  return canDownloadOnChain(client, { registry: contracts.registry, account, modelId });
}

/** The models a patient was granted, as the chain says now (latest grant per model; revoked ones dropped). */
export function readPatientGrants(
  client: PublicClient,
  contracts: Contracts,
  patient: Address,
  fromBlock: bigint,
): Promise<PatientGrant[]> {
  return getPatientGrants(client, { registry: contracts.registry, patient, fromBlock });
}
