// The transaction plumbing of a deployment: one deployer, one chain, every step confirmed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { writeContractWithGasRoom } from "../gas.ts";
import { type ContractName, readArtifact } from "./artifacts.ts";

const CHAIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A connection that deploys and calls as `deployer` (or another account) and waits for receipts. */
export interface DeploySession {
  chainId: number;
  chain: Chain;
  transport: Transport;
  deployer: Account;
  publicClient: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
  log: (line: string) => void;
}

/** Asks the node its chain id and opens the clients; throws when the node cannot be reached. */
export async function openDeploySession(
  transport: Transport,
  deployer: Account,
  log: (line: string) => void,
): Promise<DeploySession> {
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = { id: chainId } as Chain;
  return {
    chainId,
    chain,
    transport,
    deployer,
    publicClient: createPublicClient({ chain, transport }),
    wallet: createWalletClient({ account: deployer, chain, transport }),
    log,
  };
}

/** Waits for `hash`; throws `Deployment step failed: <what>` when it reverted. */
async function confirm(session: DeploySession, hash: Hex, what: string) {
  const receipt = await session.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`Deployment step failed: ${what} (tx ${hash})`);
  return receipt;
}

/** Deploys a built contract (or `bytecode` with its ABI) and returns its checksummed address. */
export async function deployContract(
  session: DeploySession,
  name: ContractName,
  args: unknown[] = [],
  bytecode = readArtifact(CHAIN_DIR, name).bytecode,
): Promise<Address> {
  const { abi } = readArtifact(CHAIN_DIR, name);
  const hash = await session.wallet.deployContract({ abi, bytecode, args });
  const receipt = await confirm(session, hash, `deploy ${name}`);
  if (!receipt.contractAddress) throw new Error(`Deployment of ${name} returned no address`);
  return getAddress(receipt.contractAddress);
}

/** Deploys an ERC-1967 proxy in front of `implementation`, initialised with `initData`. */
export async function deployProxy(
  session: DeploySession,
  implementation: Address,
  initData: Hex,
  name: string,
): Promise<Address> {
  const address = await deployContract(session, "ERC1967Proxy", [implementation, initData]);
  session.log(`${name}: ${address} (implementation ${implementation})`);
  return address;
}

/**
 * Sends one contract call as `from` (the deployer by default) and waits for it. The simulate step
 * names the revert reason before anything is sent; the gas limit has room for the block the call
 * lands in (`gasLimitFor`).
 */
export async function sendCall(
  session: DeploySession,
  address: Address,
  abi: readonly unknown[],
  functionName: string,
  args: unknown[],
  from: Account = session.deployer,
) {
  const { chain, transport } = session;
  const { request } = await session.publicClient.simulateContract({
    address,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    account: from,
  });
  const signer =
    from === session.deployer
      ? session.wallet
      : createWalletClient({ account: from, chain, transport });
  await confirm(
    session,
    await writeContractWithGasRoom(session.publicClient, signer, request),
    `${functionName} on ${address}`,
  );
}
