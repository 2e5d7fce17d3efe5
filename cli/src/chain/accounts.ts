import type { RegistryRoles } from "@neuroledger/chain";
import {
  canDownload,
  getAccountRoles,
  getEncryptionKey,
  setEncryptionKeyCall,
} from "@neuroledger/chain/actions";
import { type AccountKey, deriveAccountKey, publicKeyHex } from "@neuroledger/sdk/crypto";
import { type Address, getAddress, type Hex } from "viem";
import { UsageError } from "../errors.ts";
import { abis, type ChainClient } from "./client.ts";

const ZERO_KEY = `0x${"0".repeat(64)}` as const;

export const AccountKind = { None: 0, Member: 1, Staff: 2, Patient: 3 } as const;

export type AccountRoles = RegistryRoles;

/**
 * The signing account's X25519 key, derived from its signature of the fixed message (sdk). One
 * key per account and consortium: derived with the first task's registry (`contracts.registry`)
 * whatever the task, so the key registered in every task's registry is the same.
 */
export async function accountKeyOf(client: ChainClient): Promise<AccountKey> {
  if (!client.account) throw new UsageError("an account is needed to derive the encryption key");
  return deriveAccountKey(client.account, {
    chainId: client.chainId,
    registry: client.deployment.contracts.registry.address,
  });
}

export async function rolesOf(client: ChainClient, account: Address): Promise<AccountRoles> {
  return getAccountRoles(client.publicClient, { registry: client.registry, account });
}

/**
 * Registers the account's public key in every task's registry where it is not there yet and the
 * account may set one (keys are per registry on chain; one command keeps them equal): always in
 * the client's own registry (its refusal is the error), in another task's only when the account
 * is a member, staff, patient or publisher there (a patient's grant is for one task's model).
 * Returns whether it sent a tx.
 */
export async function ensureEncryptionKey(client: ChainClient, key: AccountKey): Promise<boolean> {
  if (!client.account) throw new UsageError("an account is needed to register an encryption key");
  const mine = publicKeyHex(key);
  const account = client.account.address;
  let sent = false;
  for (const { registry } of client.tasks) {
    const own = registry.address.toLowerCase() === client.registry.toLowerCase();
    if (!own && !(await maySetKey(client, registry.address, account))) continue;
    const onChain = await getEncryptionKey(client.publicClient, {
      registry: registry.address,
      account,
    });
    if (onChain.toLowerCase() === mine.toLowerCase()) continue;
    await client.write(setEncryptionKeyCall({ registry: registry.address, publicKey: mine }));
    sent = true;
  }
  return sent;
}

/** What `setEncryptionKey` accepts: a member or live staff, a patient, or a publisher. */
async function maySetKey(client: ChainClient, registry: Address, account: Address) {
  const roles = await getAccountRoles(client.publicClient, { registry, account });
  const inInstitution =
    (roles.kind === AccountKind.Member || roles.kind === AccountKind.Staff) &&
    roles.institutionActive;
  return inInstitution || roles.kind === AccountKind.Patient || roles.publisher;
}

/** Every account's current X25519 public key, from the EncryptionKeySet events (latest wins). */
export async function registeredKeys(
  client: ChainClient,
  toBlock?: bigint,
): Promise<Map<Address, Hex>> {
  const logs = await client.publicClient.getContractEvents({
    address: client.registry,
    abi: abis.registry,
    eventName: "EncryptionKeySet",
    fromBlock: BigInt(client.deployment.deployBlock),
    toBlock: toBlock ?? "latest",
    strict: true,
  });
  const keys = new Map<Address, Hex>();
  for (const log of logs) {
    const account = getAddress(log.args.account);
    const key = log.args.newKey;
    if (key === ZERO_KEY) keys.delete(account);
    else keys.set(account, key);
  }
  return keys;
}

/**
 * Accounts a new model's key is wrapped for at publish: every member institution and staff of an
 * active member that registered a key, plus the publisher. Patients get wraps later, when granted
 * (the keeper adds them).
 */
export async function publishRecipients(
  client: ChainClient,
  self: { address: Address; publicKey: Hex },
): Promise<{ account: Address; publicKey: Hex }[]> {
  const keys = await registeredKeys(client);
  keys.set(getAddress(self.address), self.publicKey);
  const out: { account: Address; publicKey: Hex }[] = [];
  for (const [account, publicKey] of keys) {
    const roles = await rolesOf(client, account);
    const inConsortium =
      (roles.kind === AccountKind.Member || roles.kind === AccountKind.Staff) &&
      roles.institutionActive;
    if (inConsortium || account === getAddress(self.address)) out.push({ account, publicKey });
  }
  return out;
}

/** Accounts that may download `modelId` now and have a key: what its keyring should hold. */
export async function modelRecipients(
  client: ChainClient,
  modelId: bigint,
  keys: Map<Address, Hex>,
): Promise<{ account: Address; publicKey: Hex }[]> {
  const out: { account: Address; publicKey: Hex }[] = [];
  for (const [account, publicKey] of keys) {
    if (await canDownload(client.publicClient, { registry: client.registry, account, modelId }))
      out.push({ account, publicKey });
  }
  return out;
}
