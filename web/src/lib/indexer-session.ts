import { createSiweMessage } from "viem/siwe";
import type { AppConfig } from "./config.ts";
import type { Wallet } from "./wallet/wallet.svelte.ts";

/**
 * Sign-In with Ethereum for the indexer's audit API (outside the dev stack it answers only
 * members, staff and auditors). The message is for the domain the user sees in the address bar
 * (`location.host`) and this page's origin, never for a domain a server names; the indexer
 * accepts only its configured domain. The session token lives in this tab's sessionStorage.
 */
const storageKey = (config: AppConfig) => `neuroledger:indexer-token:${config.chain.id}`;

/**
 * The indexer session token this tab holds for the configured chain, or `null` when not signed in
 * (or outside a browser).
 */
export function indexerToken(config: AppConfig): string | null {
  return typeof sessionStorage === "undefined" ? null : sessionStorage.getItem(storageKey(config));
}

/**
 * Ends the session: the indexer is told (`POST /auth/logout` with the token, so it stops
 * honouring it), then the token is forgotten here, whatever the indexer answered.
 */
export async function signOutOfIndexer(config: AppConfig): Promise<void> {
  const token = indexerToken(config);
  sessionStorage.removeItem(storageKey(config));
  if (!token || !config.indexerUrl) return;
  await fetch(`${config.indexerUrl}/auth/logout`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: "{}",
  }).catch((cause: unknown) => console.error("sign-out: the indexer did not answer", cause));
}

/** @throws {Error} when the indexer refuses a nonce or the sign-in (its reason in the message) */
export async function signInToIndexer(config: AppConfig, wallet: Wallet): Promise<void> {
  if (!config.indexerUrl) throw new Error("No indexer is configured.");
  const nonceResponse = await fetch(`${config.indexerUrl}/auth/nonce`);
  if (!nonceResponse.ok) throw new Error(`The indexer refused a nonce (${nonceResponse.status}).`);
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const client = await wallet.walletClient();
  const message = createSiweMessage({
    domain: location.host,
    address: client.account.address,
    statement: "Sign in to the NeuroLedger audit history.",
    uri: location.origin,
    version: "1",
    chainId: config.chain.id,
    nonce,
    issuedAt: new Date(),
    expirationTime: new Date(Date.now() + 60 * 60 * 1000),
  });
  const signature = await client.signMessage({ account: client.account.address, message });
  const verify = await fetch(`${config.indexerUrl}/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  const body = (await verify.json().catch(() => null)) as { token?: string; error?: string } | null;
  if (!verify.ok || !body?.token)
    throw new Error(body?.error ?? `The indexer refused the sign-in (${verify.status}).`);
  sessionStorage.setItem(storageKey(config), body.token);
}
