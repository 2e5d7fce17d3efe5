import { getInstitution } from "@neuroledger/chain/actions";
import type { Address } from "viem";
import { AccountKind, rolesOf } from "../chain/accounts.ts";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import { type Connection, requireAccount } from "../config.ts";
import { InvalidInputError, RefusedError } from "../errors.ts";

/** The longest patient grant: ten years, the registry's `MAX_GRANT_DURATION` (a longer one is refused on chain too). */
export const MAX_GRANT_DAYS = 3650;
/** `--days` when none is given. */
export const DEFAULT_GRANT_DAYS = 30;

export interface GrantParameters {
  connection: Connection;
  patient: Address;
  modelId: bigint;
  /** Whole days of access from now, 1 to {@link MAX_GRANT_DAYS} (ignored with `revoke`); a string is parsed. */
  days?: number | string;
  revoke?: boolean;
}

/**
 * `--days` as a whole number of days from 1 to {@link MAX_GRANT_DAYS}. Anything else (negative,
 * zero, fractional, exponent notation, NaN, Infinity, above the limit) throws an
 * {@link InvalidInputError} whose sentence names the limit.
 */
export function parseGrantDays(value: number | string): number {
  const text = String(value).trim();
  const days = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_GRANT_DAYS) {
    throw new InvalidInputError(
      `--days must be a whole number of days from 1 to ${MAX_GRANT_DAYS} (ten years), got ${JSON.stringify(String(value))}`,
      { hints: ["Grant again before it expires to extend it."] },
    );
  }
  return days;
}

/**
 * `neuroledger grant`: a member institution's own account grants a patient access to one model
 * until an expiry (whole days from now), or revokes its grant. Staff, patients and outsiders are
 * refused before any transaction, with who can do it instead. The keeper then wraps the model's key
 * for the patient once the patient has registered an encryption key.
 *
 * @example
 * await grant({ connection, patient: "0x…", modelId: 1n, days: 30 });
 */
export async function grant(params: GrantParameters) {
  const days = params.revoke ? 0 : parseGrantDays(params.days ?? DEFAULT_GRANT_DAYS);
  const account = requireAccount(params.connection);
  const chain = await connectChain(params.connection);
  await checkGrantor(chain, account.address);
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
  const block = await chain.publicClient.getBlock();
  const expiresAt = block.timestamp + BigInt(days * 86_400);
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

/** Only a member institution's own account grants and revokes (the registry's rule): say who can. */
async function checkGrantor(chain: ChainClient, account: Address): Promise<void> {
  const roles = await rolesOf(chain, account);
  if (roles.kind === AccountKind.Member && roles.institutionActive) return;
  const hints = ["`neuroledger member list` shows the member institutions and their accounts."];
  if (roles.kind === AccountKind.Staff) {
    const institution = roles.institutionActive
      ? await getInstitution(chain.publicClient, {
          membership: chain.membership,
          institutionId: roles.institutionId,
        })
      : null;
    const of = institution
      ? `staff of institution #${roles.institutionId} (${institution.name})`
      : `staff of institution #${roles.institutionId}, which is no longer a member,`;
    const who = institution
      ? `${institution.name}'s own account ${institution.account}`
      : "a member institution's own account";
    throw new RefusedError(
      `account ${account} is ${of} and staff cannot grant or revoke patient access: only ${who} can`,
      { hints },
    );
  }
  const what =
    roles.kind === AccountKind.Patient
      ? "a patient account"
      : roles.kind === AccountKind.Member
        ? "the account of an institution that is no longer a member"
        : "not an account of any member institution";
  throw new RefusedError(
    `account ${account} is ${what}: only a member institution's own account can grant or revoke patient access`,
    { hints },
  );
}
