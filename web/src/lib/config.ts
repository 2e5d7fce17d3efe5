/** A classification task of the consortium and the registry that holds its models. */
export interface AppTask {
  /** The task's name, as in model cards (e.g. `brain-tumor-mri/type`). */
  task: string;
  registry: `0x${string}`;
}

/** What the page needs to know about the stack it talks to; served at `/config.json`. */
export interface AppConfig {
  chain: {
    id: number;
    name: string;
    /** JSON-RPC endpoint as the page reaches it (same origin: the server proxies it). */
    rpcUrl: string;
    /**
     * JSON-RPC endpoint wallets should use when they add the chain: this app's `/rpc` proxy
     * (relative; resolve it against the page's origin) unless the operator names a public one.
     */
    walletRpcUrl: string;
    /** Block explorer, if any; transaction links are `${explorerUrl}/tx/<hash>`. */
    explorerUrl: string | null;
  };
  /** Contract addresses from `chain/deployments/<chainId>.json`; null when nothing is deployed. */
  contracts: {
    membership: `0x${string}`;
    governor: `0x${string}`;
    timelock: `0x${string}`;
    registry: `0x${string}`;
  } | null;
  /**
   * The consortium's tasks (docs/interfaces.md section 14), the binary task first: each task's
   * own `ModelRegistry` (latest model, top ten, downloads, keys). Empty when nothing is deployed;
   * a deployment without `contracts.tasks` has one task, the binary one at `contracts.registry`.
   */
  tasks: AppTask[];
  deployBlock: number;
  /** Audit API of the indexer as the page reaches it (same-origin proxy), null when absent. */
  indexerUrl: string | null;
  /** IPFS trustless gateways, by institution address (lower case); `default` for any other. */
  gateways: Record<string, string>;
}

/**
 * The app's public configuration (`/config.json`, written by the server from the stack: chain id,
 * registry address, indexer URL, gateways by institution).
 *
 * @param fetcher SvelteKit's `fetch` in `load`, or the global one.
 * @throws Error naming the HTTP status when the file cannot be loaded.
 */
export async function loadAppConfig(fetcher: typeof fetch): Promise<AppConfig> {
  const response = await fetcher("/config.json");
  if (!response.ok)
    throw new Error(`The app's configuration could not be loaded (${response.status}).`);
  return (await response.json()) as AppConfig;
}
