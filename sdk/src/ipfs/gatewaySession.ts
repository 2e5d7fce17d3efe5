import type { Address, Hex } from "viem";
import { createSiweMessage } from "viem/siwe";
import { GatewayAuthError, IpfsFetchError } from "../errors.ts";

/** The statement every gateway sign-in message carries (the node refuses any other). */
export const GATEWAY_SIGN_IN_STATEMENT =
  "Sign in to this NeuroLedger institution node to read the models you may download.";
/** A sign-in message may be valid for at most this long (the node refuses longer ones). */
export const GATEWAY_SIGN_IN_MAX_MS = 10 * 60_000;

/** What `GET /auth/nonce` answers. */
export type GatewayNonce = {
  nonce: string;
  /** The EIP-4361 domain and URI the node expects (from its configuration, not the request). */
  domain: string;
  uri: string;
  chainId: number;
};

/** What `POST /auth/token` answers: a bearer token bound to `address` until `expiresAt` (ms). */
export type GatewayToken = { token: string; address: Address; expiresAt: number };

/** Anything that signs an EIP-191 personal message: a viem local account or a wallet client. */
export type MessageSigner = {
  address: Address;
  signMessage(parameters: { message: string }): Promise<Hex>;
};

export type GatewaySessionParameters = {
  /** The institution node's gateway, e.g. `http://127.0.0.1:5101`. */
  gateway: string;
  signer: MessageSigner;
  /** The chain the registry lives on; the node refuses a message for another chain. */
  chainId?: number;
  /** How long to wait for each sign-in request (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

export type GatewaySession = {
  /** `{ authorization: "Bearer ..." }`, signing in first when there is no token or it is about to expire. */
  headers(): Promise<Record<string, string>>;
  /** Drops the token (after a 401): the next `headers()` signs in again. */
  invalidate(): void;
};

/**
 * One sign-in per token, not one signature per block: the account signs a short EIP-4361 message
 * (domain and URI = the node, a one-time nonce from the node, an expiry of at most ten minutes)
 * and gets a bearer token bound to it. The node then serves a model's keyring to a token whose
 * account may download the model, and its encrypted blocks once that account recorded the download.
 *
 * @example
 * const session = createGatewaySession({ gateway, signer: account, chainId: 31337 });
 * const reader = await createGatewayReader({ gateways: [gateway], session });
 * @throws GatewayAuthError when the node refuses the sign-in (the message names why);
 *   IpfsFetchError when the node cannot be reached.
 */
export function createGatewaySession(parameters: GatewaySessionParameters): GatewaySession {
  const base = parameters.gateway.replace(/\/$/, "");
  const doFetch = parameters.fetch ?? fetch;
  const timeoutMs = parameters.timeoutMs ?? 15_000;
  let current: GatewayToken | undefined;
  let pending: Promise<GatewayToken> | undefined;

  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      // Unreachable is not refused: the caller may retry or try another node.
      throw new IpfsFetchError(`Cannot reach the institution node at ${base} to sign in.`, {
        cause,
      });
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text;
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {}
      throw new GatewayAuthError(`The institution node refused the sign-in: ${reason}`, {
        details: `${path} answered ${res.status}.`,
      });
    }
    return JSON.parse(text) as T;
  };

  const signIn = async (): Promise<GatewayToken> => {
    const offered = await call<GatewayNonce>("/auth/nonce");
    const expected = new URL(base);
    // The message names the node the caller meant to reach, whatever the node suggests.
    const domain = expected.host;
    const now = Date.now();
    const message = createSiweMessage({
      domain,
      address: parameters.signer.address,
      statement: GATEWAY_SIGN_IN_STATEMENT,
      uri: expected.origin,
      version: "1",
      chainId: parameters.chainId ?? offered.chainId,
      nonce: offered.nonce,
      issuedAt: new Date(now),
      expirationTime: new Date(now + 5 * 60_000),
    });
    const signature = await parameters.signer.signMessage({ message });
    return call<GatewayToken>("/auth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, signature }),
    });
  };

  return {
    async headers() {
      // Renew a minute early so a long download does not start on a token about to lapse.
      if (!current || current.expiresAt - Date.now() < 60_000) {
        pending ??= signIn().finally(() => {
          pending = undefined;
        });
        current = await pending;
      }
      return { authorization: `Bearer ${current.token}` };
    },
    invalidate() {
      current = undefined;
    },
  };
}
