import type { Page } from "@playwright/test";
import {
  type Chain,
  createWalletClient,
  type Hex,
  hexToBigInt,
  http,
  type TransactionRequest,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";

/**
 * A test wallet: an EIP-1193 provider injected into the page (announced with EIP-6963, like
 * MetaMask or Rabby) whose requests cross to Node through a Playwright binding, where a dev
 * private key signs and everything else is forwarded as JSON-RPC to the local chain node.
 * The page cannot tell it from a browser-extension wallet.
 */
export interface TestWalletOptions {
  privateKey: Hex;
  rpcUrl: string;
  chainId: number;
  /** Chain the wallet starts on (to exercise "switch network"); default `chainId`. */
  startChainId?: number;
  /** The site was connected before (the wallet reconnects on load). */
  preAuthorized?: boolean;
  /** Refuse every request (a user who rejects). */
  rejectAll?: boolean;
}

export interface TestWallet {
  account: PrivateKeyAccount;
  /** Every method the page asked the wallet for, in order. */
  calls: string[];
}

const BINDING = "__neuroledgerTestWallet";

export async function installTestWallet(
  page: Page,
  options: TestWalletOptions,
): Promise<TestWallet> {
  const account = privateKeyToAccount(options.privateKey);
  const calls: string[] = [];
  let currentChainId = options.startChainId ?? options.chainId;
  let authorized = options.preAuthorized ?? false;
  const chain = {
    id: options.chainId,
    name: "test",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  } satisfies Chain;
  const client = createWalletClient({ account, chain, transport: http(options.rpcUrl) });

  async function forward(method: string, params: unknown[]) {
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  }

  async function handle(method: string, params: unknown[]): Promise<unknown> {
    calls.push(method);
    if (options.rejectAll)
      throw Object.assign(new Error("User rejected the request."), { code: 4001 });
    switch (method) {
      case "eth_requestAccounts":
      case "wallet_requestPermissions":
        authorized = true;
        return method === "eth_requestAccounts"
          ? [account.address]
          : [{ parentCapability: "eth_accounts" }];
      case "eth_accounts":
        // Like a real wallet: this site sees the account only once the user has connected.
        return authorized ? [account.address] : [];
      case "eth_chainId":
        return `0x${currentChainId.toString(16)}`;
      case "wallet_switchEthereumChain":
      case "wallet_addEthereumChain": {
        const wanted = Number((params[0] as { chainId: string }).chainId);
        if (wanted !== options.chainId) {
          throw Object.assign(new Error(`Unrecognized chain ID ${wanted}.`), { code: 4902 });
        }
        currentChainId = wanted;
        await page.evaluate(
          ([name, id]) =>
            (window as unknown as Record<string, (e: string, d: unknown) => void>)[name]?.(
              "chainChanged",
              id,
            ),
          [`${BINDING}Emit`, `0x${wanted.toString(16)}`] as const,
        );
        return null;
      }
      case "wallet_getPermissions":
        return authorized ? [{ parentCapability: "eth_accounts" }] : [];
      case "wallet_revokePermissions":
        authorized = false;
        return null;
      case "personal_sign": {
        const [data] = params as [Hex, string];
        return account.signMessage({ message: { raw: data } });
      }
      case "eth_signTypedData_v4": {
        const [, json] = params as [string, string];
        return account.signTypedData(JSON.parse(json));
      }
      case "eth_sendTransaction": {
        if (currentChainId !== options.chainId) {
          throw Object.assign(new Error("The wallet is on another chain."), { code: 4901 });
        }
        const tx = params[0] as TransactionRequest & {
          gas?: Hex;
          value?: Hex;
          data?: Hex;
          to?: Hex;
        };
        return client.sendTransaction({
          to: tx.to,
          data: tx.data,
          value: tx.value ? hexToBigInt(tx.value as Hex) : undefined,
          gas: tx.gas ? hexToBigInt(tx.gas as Hex) : undefined,
        } as Parameters<typeof client.sendTransaction>[0]);
      }
      default:
        return forward(method, params);
    }
  }

  await page.exposeBinding(BINDING, async (_source, method: string, params: unknown[]) => {
    try {
      return { result: await handle(method, params ?? []) };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data },
      };
    }
  });

  await page.addInitScript(
    ({ binding, address }) => {
      const listeners = new Map<string, Set<(value: unknown) => void>>();
      const provider = {
        isNeuroLedgerTestWallet: true,
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const call = (
            window as unknown as Record<
              string,
              (
                m: string,
                p: unknown[],
              ) => Promise<{
                result?: unknown;
                error?: { code: number; message: string; data?: unknown };
              }>
            >
          )[binding];
          if (!call) throw new Error("test wallet binding missing");
          const answer = await call(method, params ?? []);
          if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
          return answer.result;
        },
        on(event: string, listener: (value: unknown) => void) {
          if (!listeners.has(event)) listeners.set(event, new Set());
          listeners.get(event)?.add(listener);
          return provider;
        },
        removeListener(event: string, listener: (value: unknown) => void) {
          listeners.get(event)?.delete(listener);
          return provider;
        },
      };
      (window as unknown as Record<string, unknown>)[`${binding}Emit`] = (
        event: string,
        value: unknown,
      ) => {
        for (const listener of listeners.get(event) ?? []) listener(value);
      };
      const info = Object.freeze({
        uuid: crypto.randomUUID(),
        name: "Test Wallet",
        icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%23287'/%3E%3C/svg%3E",
        rdns: "org.neuroledger.testwallet",
      });
      const announce = () =>
        window.dispatchEvent(
          new CustomEvent("eip6963:announceProvider", {
            detail: Object.freeze({ info, provider }),
          }),
        );
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
      void address;
    },
    { binding: BINDING, address: account.address },
  );

  return { account, calls };
}
