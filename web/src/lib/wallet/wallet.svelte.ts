import {
  type Config,
  type Connector,
  connect,
  createConfig,
  disconnect,
  getConnection,
  getConnectors,
  getWalletClient,
  http,
  reconnect,
  switchChain,
  watchConnection,
  watchConnectors,
} from "@wagmi/core";
import { getContext, setContext } from "svelte";
import { createSubscriber } from "svelte/reactivity";
import { createPublicClient, type PublicClient } from "viem";
import { type AccountRoles, readAccountRoles } from "../chain/registry.ts";
import type { AppConfig } from "../config.ts";
import { consortiumChain } from "./chain.ts";

/**
 * The wallet as the app sees it: injected wallets found by EIP-6963, the connected account, and
 * whether it is on the consortium chain. Reactive reads (`$derived`-friendly) through
 * `createSubscriber`: wagmi's watchers run only while something on screen reads them.
 * Without a wallet everything still reads through `publicClient` (read-only mode).
 */
export class Wallet {
  readonly wagmi: Config;
  readonly publicClient: PublicClient;
  readonly chain: ReturnType<typeof consortiumChain>;
  readonly contracts: AppConfig["contracts"];
  /** The connected account's roles and institution (null: no account, or not read yet). */
  roles = $state<AccountRoles | null>(null);
  /** Last error from connect/switch, phrased for people; cleared on the next attempt. */
  error = $state<string | null>(null);
  busy = $state(false);

  #connection: () => void;
  #connectors: () => void;

  constructor(config: AppConfig, origin: string) {
    this.chain = consortiumChain(config, origin);
    this.contracts = config.contracts;
    const transport = http(new URL(config.chain.rpcUrl, origin).href);
    this.wagmi = createConfig({
      chains: [this.chain],
      transports: { [this.chain.id]: transport },
      multiInjectedProviderDiscovery: true,
      ssr: false,
    });
    this.publicClient = createPublicClient({ chain: this.chain, transport }) as PublicClient;
    this.#connection = createSubscriber((update) =>
      watchConnection(this.wagmi, { onChange: update }),
    );
    this.#connectors = createSubscriber((update) =>
      watchConnectors(this.wagmi, { onChange: update }),
    );
    void reconnect(this.wagmi);
  }

  get connection() {
    this.#connection();
    return getConnection(this.wagmi);
  }

  /** EIP-6963 wallets announced in this page (and the generic injected one, if any). */
  get connectors(): readonly Connector[] {
    this.#connectors();
    return getConnectors(this.wagmi);
  }

  get address() {
    return this.connection.address;
  }

  get isConnected() {
    return this.connection.status === "connected";
  }

  /** Connected, but the wallet points at another chain. */
  get wrongChain() {
    const { status, chainId } = this.connection;
    return status === "connected" && chainId !== this.chain.id;
  }

  /** Reads the roles of `account` (call when the account changes, or after a transaction). */
  async refreshRoles(account: `0x${string}` | undefined) {
    if (!account || !this.contracts) {
      this.roles = null;
      return;
    }
    try {
      const roles = await readAccountRoles(this.publicClient, this.contracts, account);
      if (this.address === account) this.roles = roles;
    } catch (cause) {
      console.error(cause);
      this.roles = null;
    }
  }

  async connect(connector: Connector) {
    await this.#attempt(async () => {
      await connect(this.wagmi, { connector, chainId: this.chain.id });
    });
  }

  async disconnect() {
    await this.#attempt(() => disconnect(this.wagmi));
  }

  /** Asks the wallet to switch to the consortium chain, adding it first if it does not know it. */
  async switchToConsortium() {
    await this.#attempt(async () => {
      await switchChain(this.wagmi, {
        chainId: this.chain.id,
        addEthereumChainParameter: {
          chainName: this.chain.name,
          nativeCurrency: this.chain.nativeCurrency,
          rpcUrls: [...this.chain.rpcUrls.default.http],
        },
      });
    });
  }

  /** A viem wallet client for the connected account, on the consortium chain. */
  async walletClient() {
    if (!this.isConnected) throw new Error("Connect a wallet first.");
    if (this.wrongChain) await this.switchToConsortium();
    return getWalletClient(this.wagmi, { chainId: this.chain.id });
  }

  async #attempt(action: () => Promise<unknown>) {
    this.error = null;
    this.busy = true;
    try {
      await action();
    } catch (cause) {
      this.error = describeWalletError(cause);
    } finally {
      this.busy = false;
    }
  }
}

/** Wallet errors phrased for people; the detail goes to the console. */
export function describeWalletError(cause: unknown): string {
  console.error(cause);
  const name = (cause as { name?: string } | null)?.name ?? "";
  if (name.includes("UserRejected")) return "The request was rejected in the wallet.";
  if (name.includes("ProviderNotFound")) return "No wallet was found in this browser.";
  const short = (cause as { shortMessage?: string } | null)?.shortMessage;
  return short ?? (cause instanceof Error ? cause.message : String(cause));
}

const key = Symbol("wallet");
/** Hands the page's {@link Wallet} down to its components (call in the root layout). */
export const setWallet = (wallet: Wallet) => setContext(key, wallet);
/** The {@link Wallet} a parent handed down with {@link setWallet}. */
export const useWallet = () => getContext<Wallet>(key);
