import { cidFromChain } from "@neuroledger/sdk/chain";
import type { FollowerState } from "./state.ts";

/** Events after which the kept set (latest + top ten) or a model's keyring may have changed. */
const STORAGE_EVENTS = new Set([
  "ModelPublished",
  "ModelEvicted",
  "ModelRevoked",
  "KeyringUpdated",
  "ContentKeyRotated",
]);
/** Events after which some account may lack a key wrap, or hold one it may no longer have. */
const ACCESS_EVENTS = new Set([
  "EncryptionKeySet",
  "StaffAdded",
  "StaffRemoved",
  "MembershipSynced",
  "PatientAccessGranted",
  "PatientAccessRevoked",
  "ModelPublished",
  "KeyringUpdated",
  "ContentKeyRotated",
]);
/** Events the follower logs as they pass. */
const LOGGED_EVENTS = new Set(["ModelPublished", "ModelEvicted", "ModelRevoked"]);

type GrantEventArgs = { patient?: string; modelId?: bigint; expiresAt?: bigint };
type PublishedEventArgs = {
  modelId?: bigint;
  content?: { digest: string; codec: number };
  keyring?: { digest: string; codec: number };
};
/** The registry event arguments the follower reads (the union of the ones it handles). */
export type FollowedEventArgs = GrantEventArgs & PublishedEventArgs;

/** What one event asks of the follower: a reconcile of the pins, a keeper pass, a log line. */
export interface EventEffects {
  reconcile: boolean;
  keeper: boolean;
  log: boolean;
}

function trackGrant(state: FollowerState, name: string, args: GrantEventArgs) {
  if (name !== "PatientAccessGranted" && name !== "PatientAccessRevoked") return;
  const key = `${args.patient?.toLowerCase()}|${args.modelId}`;
  state.grantExpiries ??= {};
  if (name === "PatientAccessGranted") state.grantExpiries[key] = Number(args.expiresAt ?? 0n);
  else delete state.grantExpiries[key];
}

function trackPublished(state: FollowerState, name: string, args: PublishedEventArgs) {
  if (name !== "ModelPublished" || !args.content || !args.keyring) return;
  state.published ??= {};
  state.published[String(args.modelId)] = [
    cidFromChain(args.content).toString(),
    cidFromChain(args.keyring).toString(),
  ];
}

/**
 * Records what one registry event changes in `state` (patient grant expiries; a published
 * model's CIDs until its pin is recorded) and says what the follower must do after it.
 */
export function applyEvent(
  state: FollowerState,
  name: string,
  args: FollowedEventArgs,
): EventEffects {
  trackGrant(state, name, args);
  trackPublished(state, name, args);
  return {
    reconcile: STORAGE_EVENTS.has(name),
    keeper: ACCESS_EVENTS.has(name),
    log: LOGGED_EVENTS.has(name),
  };
}

/**
 * Forgets every tracked grant whose expiry the chain time `timestamp` (unix seconds) has reached;
 * true when one did: its patient may hold a wrap it may no longer have.
 */
export function expireGrants(state: FollowerState, timestamp: bigint): boolean {
  const expiries = state.grantExpiries ?? {};
  let expired = false;
  for (const [key, expiresAt] of Object.entries(expiries)) {
    if (BigInt(expiresAt) > timestamp) continue;
    delete expiries[key];
    expired = true;
  }
  return expired;
}
