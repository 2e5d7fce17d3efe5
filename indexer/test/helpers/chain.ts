import { devAccounts } from "@neuroledger/chain";
import { ensureDeployment, startLocalNode } from "@neuroledger/chain/deploy";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  chain: Chain;
  publicClient: PublicClient;
  testClient: ReturnType<typeof createTestClient>;
  wallet(account: Account): WalletClient<Transport, Chain, Account>;
  stop(): Promise<void>;
};

/** The chain package's local node (anvil on a free 127.0.0.1 port), automining each transaction. */
export async function startChain(): Promise<LocalChain> {
  const node = await startLocalNode({ port: 0, blockTime: 0, timeoutMs: 30_000 });
  const rpcUrl = node.url;
  const transport = http(rpcUrl, { retryCount: 0 });
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain: Chain = {
    id: chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
  return {
    rpcUrl,
    chainId,
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient,
    testClient: createTestClient({ chain, mode: "anvil", transport }),
    wallet: (account) => createWalletClient({ account, chain, transport }),
    stop: () => node.stop(),
  };
}

/** Deploys with the chain package's dev consortium; the deployment file goes into `dir`. */
export async function deployDev(rpcUrl: string, dir: string): Promise<string> {
  const { path } = await ensureDeployment({
    transport: http(rpcUrl),
    deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
    dev: true,
    dir,
  });
  return path;
}
