import type { modelRegistryAbi } from "@neuroledger/chain";
import { cidFromChain } from "@neuroledger/sdk/chain";
import type { ContractEventName, GetContractEventsReturnType } from "viem";
import type { FollowerState } from "./state.ts";

/** One registry event as `getContractEvents` returns it: `eventName` narrows `args`. */
export type RegistryEvent = GetContractEventsReturnType<typeof modelRegistryAbi>[number];
type RegistryEventName = ContractEventName<typeof modelRegistryAbi>;

/** Events after which the kept set (latest + top ten) or a model's keyring may have changed. */
const STORAGE_EVENTS = new Set<RegistryEventName>([
  "ModelPublished",
  "ModelEvicted",
  "ModelRevoked",
  "KeyringUpdated",
  "ContentKeyRotated",
]);
/** Events after which some account may lack a key wrap, or hold one it may no longer have. */
const ACCESS_EVENTS = new Set<RegistryEventName>([
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
const LOGGED_EVENTS = new Set<RegistryEventName>([
  "ModelPublished",
  "ModelEvicted",
  "ModelRevoked",
]);

/** What one event asks of the follower: a reconcile of the pins, a keeper pass, a log line. */
export interface EventEffects {
  reconcile: boolean;
  keeper: boolean;
  log: boolean;
}

function trackGrant(state: FollowerState, event: RegistryEvent) {
  if (event.eventName === "PatientAccessGranted") {
    const { patient, modelId, expiresAt } = event.args;
    state.grantExpiries ??= {};
    state.grantExpiries[`${patient?.toLowerCase()}|${modelId}`] = Number(expiresAt ?? 0n);
  } else if (event.eventName === "PatientAccessRevoked") {
    const { patient, modelId } = event.args;
    state.grantExpiries ??= {};
    delete state.grantExpiries[`${patient?.toLowerCase()}|${modelId}`];
  }
}

function trackPublished(state: FollowerState, event: RegistryEvent) {
  if (event.eventName !== "ModelPublished") return;
  const { modelId, content, keyring } = event.args;
  if (!content || !keyring) return;
  state.published ??= {};
  state.published[String(modelId)] = [
    cidFromChain(content).toString(),
    cidFromChain(keyring).toString(),
  ];
}

/**
 * Records what one registry event changes in `state` (patient grant expiries; a published
 * model's CIDs until its pin is recorded) and says what the follower must do after it.
 */
export function applyEvent(state: FollowerState, event: RegistryEvent): EventEffects {
  trackGrant(state, event);
  trackPublished(state, event);
  return {
    reconcile: STORAGE_EVENTS.has(event.eventName),
    keeper: ACCESS_EVENTS.has(event.eventName),
    log: LOGGED_EVENTS.has(event.eventName),
  };
}

/** The model an event names, for the log line (`undefined` when the event names none). */
export function eventModelId(event: RegistryEvent): bigint | undefined {
  return "modelId" in event.args ? event.args.modelId : undefined;
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
