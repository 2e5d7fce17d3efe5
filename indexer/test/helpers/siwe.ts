import type { Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";

export type SignInResult = { status: number; body: Record<string, unknown>; token?: string };

/** Signs in to the indexer at `baseUrl` as `account`; `tamper` lets a test break one step. */
export async function signIn(
  baseUrl: string,
  account: PrivateKeyAccount,
  options: {
    chainId: number;
    expirationTime?: Date;
    signWith?: PrivateKeyAccount;
    domain?: string;
  },
): Promise<SignInResult> {
  const nonceRes = await fetch(`${baseUrl}/auth/nonce`);
  const { nonce, domain } = (await nonceRes.json()) as { nonce: string; domain: string };
  const message = createSiweMessage({
    address: account.address,
    chainId: options.chainId,
    domain: options.domain ?? domain,
    nonce,
    uri: baseUrl,
    version: "1",
    statement: "Sign in to the NeuroLedger audit API.",
    issuedAt: new Date(Date.now() - 60_000),
    expirationTime: options.expirationTime,
  });
  const signature: Hex = await (options.signWith ?? account).signMessage({ message });
  const res = await fetch(`${baseUrl}/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return {
    status: res.status,
    body,
    token: typeof body.token === "string" ? body.token : undefined,
  };
}
