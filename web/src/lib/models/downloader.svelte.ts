import { unixfs } from "@helia/unixfs";
import { modelRegistryAbi } from "@neuroledger/chain";
import {
  getEncryptionKey,
  getPatientGrant,
  setEncryptionKeyCall,
} from "@neuroledger/chain/actions";
import type { ModelCard } from "@neuroledger/sdk/card";
import { cidFromChain, readModelKeyring } from "@neuroledger/sdk/chain";
import {
  type AccountKey,
  accountKeyFromSignature,
  accountKeyMessage,
  publicKeyHex,
} from "@neuroledger/sdk/crypto";
import { NoWrapForAccountError } from "@neuroledger/sdk/errors";
import { createGatewayReader, createGatewaySession } from "@neuroledger/sdk/ipfs";
import { type ChainModel, canDownload, readModel } from "../chain/registry.ts";
import { sendCall } from "../chain/send.ts";
import type { AppConfig } from "../config.ts";
import { explain } from "../errors.ts";
import { accountKeyDomain } from "../tasks.ts";
import type { Wallet } from "../wallet/wallet.svelte.ts";
import { gatewayFor } from "./card-source.ts";
import { putModel } from "./model-cache.ts";
import { openModel, unlockContentKey } from "./open-model.ts";

export type Phase =
  | "idle"
  | "checking"
  | "refused"
  | "signing"
  | "registering-key"
  | "waiting-keyring"
  | "recording"
  | "fetching-keyring"
  | "downloading"
  | "verifying"
  | "done"
  | "error";

type WalletClient = Awaited<ReturnType<Wallet["walletClient"]>>;
type GatewayReader = Awaited<ReturnType<typeof createGatewayReader>>;

// One signature per account and session: the derived key stays in this page's memory only.
const accountKeys = new Map<string, AccountKey>();

/** The download of one model: authorization, on-chain record, fetch, unwrap, decrypt, verify, cache. */
export class ModelDownload {
  phase = $state<Phase>("idle");
  message = $state<string | null>(null);
  received = $state(0);
  total = $state<number | null>(null);
  txHash = $state<`0x${string}` | null>(null);
  elapsedMs = $state<number | null>(null);

  readonly fraction = $derived(this.total ? Math.min(1, this.received / this.total) : null);

  constructor(
    private readonly wallet: Wallet,
    private readonly config: AppConfig,
  ) {}

  /**
   * The model's keyring, once it holds a wrap for `account` (a freshly registered key is added by
   * the institutions' nodes within seconds). Bounded: 90 s. Read as every reader must (sdk
   * `readModelKeyring`): its card must hash to the card hash bound on chain, its content must be
   * the on-chain one, and when the current keyring is unreachable or fails a check the previous
   * one is used. Returns the keyring's bytes and its checked card.
   */
  async #keyringWithWrap(
    reader: GatewayReader,
    client: Wallet["publicClient"],
    contracts: NonNullable<AppConfig["contracts"]>,
    modelId: bigint,
    account: string,
  ): Promise<{ bytes: Uint8Array; card: ModelCard | undefined }> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const current = await readModel(client, contracts, modelId);
      const fetched = new Map<string, Uint8Array>();
      try {
        const read = await readModelKeyring({
          model: current,
          account,
          fetchBytes: async (cid) => {
            const bytes = await reader.bytes(cid, { maxBytes: 1024 * 1024 });
            fetched.set(cid.toString(), bytes);
            return bytes;
          },
        });
        return { bytes: fetched.get(read.cid.toString()) as Uint8Array, card: read.card };
      } catch (err) {
        if (!(err instanceof NoWrapForAccountError)) throw err;
      }
      if (Date.now() > deadline) {
        throw new Error(
          "Your key is registered, but no institution node has added it to this model's keyring yet: try again in a minute.",
        );
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  }

  /** Why `account` may not download, in words; null when it may. Reads only, fetches nothing. */
  async refusal(model: ChainModel): Promise<string | null> {
    const contracts = this.config.contracts;
    const account = this.wallet.address;
    if (!contracts) return "No registry is deployed on this chain.";
    if (!account) return "Connect a wallet to download models.";
    if (await canDownload(this.wallet.publicClient, contracts, account, model.id)) return null;
    const roles = this.wallet.roles;
    if (roles?.kind === "patient") {
      const grant = await getPatientGrant(this.wallet.publicClient, {
        registry: contracts.registry,
        patient: account,
        modelId: model.id,
      });
      if (grant.expiresAt === 0n)
        return "This patient account has no grant for this model: ask your institution for access.";
      return `Your access to this model expired on ${new Date(Number(grant.expiresAt) * 1000).toISOString().slice(0, 10)}.`;
    }
    if ((roles?.kind === "member" || roles?.kind === "staff") && !roles.institutionActive) {
      return "Your institution is no longer a member of the consortium.";
    }
    if (roles?.auditor) return "Auditors see the download history but do not download models.";
    return "This account is not a member institution, staff of a member, or a patient with a grant: only they may download models.";
  }

  async run(model: ChainModel, card: ModelCard | null, institutionAccount: string | null) {
    const started = performance.now();
    this.message = null;
    this.received = 0;
    this.total = null;
    try {
      this.phase = "checking";
      const refusal = await this.refusal(model);
      if (refusal) {
        this.phase = "refused";
        this.message = refusal;
        return;
      }
      const contracts = this.config.contracts as NonNullable<AppConfig["contracts"]>;
      const walletClient = await this.wallet.walletClient();
      const account = walletClient.account.address;

      // The account's X25519 key comes from one signature (kept for the session).
      this.phase = "signing";
      const accountKey = await this.#accountKey(walletClient);
      const reader = await this.#openReader(walletClient, institutionAccount);
      try {
        await this.#registerKey(walletClient, contracts, accountKey);
        this.phase = "waiting-keyring";
        const client = this.wallet.publicClient;
        const keyring = await this.#keyringWithWrap(reader, client, contracts, model.id, account);
        await this.#recordDownload(walletClient, contracts, model.id);

        this.phase = "fetching-keyring";
        const contentKey = await unlockContentKey(keyring.bytes, account, accountKey);
        // The card checked against the chain now wins over the one the page showed.
        await this.#fetchVerifyAndCache(reader, model, contentKey, keyring.card ?? card);
        this.elapsedMs = performance.now() - started;
        this.phase = "done";
      } finally {
        await reader.stop();
      }
    } catch (cause) {
      this.phase = "error";
      this.message = explain(cause);
    }
  }

  /**
   * The account's X25519 key for this consortium (`accountKeyDomain`: the first task's registry,
   * whichever task this download is for): one signature, remembered for the session.
   */
  async #accountKey(walletClient: WalletClient): Promise<AccountKey> {
    const account = walletClient.account.address;
    const domain = accountKeyDomain(this.config);
    const keyId = `${domain.chainId}:${domain.registry}:${account}`.toLowerCase();
    const known = accountKeys.get(keyId);
    if (known) return known;
    const signature = await walletClient.signMessage({
      account,
      message: accountKeyMessage(domain),
    });
    const accountKey = await accountKeyFromSignature(signature, domain);
    accountKeys.set(keyId, accountKey);
    return accountKey;
  }

  /**
   * A reader of the publishing institution's gateway. The node serves the keyring and the blocks
   * only to an account it may serve: one signed sign-in message (EIP-4361, this node as domain),
   * then a bearer token on every request.
   */
  async #openReader(walletClient: WalletClient, institutionAccount: string | null) {
    const account = walletClient.account.address;
    const gateway = gatewayFor(this.config, institutionAccount);
    if (!gateway) throw new Error("No IPFS gateway is configured for the publishing institution.");
    const session = createGatewaySession({
      gateway,
      chainId: this.config.chain.id,
      signer: {
        address: account,
        signMessage: ({ message }) => walletClient.signMessage({ account, message }),
      },
    });
    return createGatewayReader({ gateways: [gateway], timeoutMs: 120_000, session });
  }

  /**
   * First download with this key: register it; the institutions' nodes then wrap the model's
   * content key for it and publish a new keyring version. Nothing is sent when it is registered.
   */
  async #registerKey(
    walletClient: WalletClient,
    contracts: NonNullable<AppConfig["contracts"]>,
    accountKey: AccountKey,
  ): Promise<void> {
    const account = walletClient.account.address;
    const client = this.wallet.publicClient;
    const registered = await getEncryptionKey(client, { registry: contracts.registry, account });
    const publicKey = publicKeyHex(accountKey);
    if (registered.toLowerCase() === publicKey.toLowerCase()) return;
    this.phase = "registering-key";
    const hash = await sendCall(
      this.wallet,
      walletClient,
      setEncryptionKeyCall({ registry: contracts.registry, publicKey }),
    );
    await client.waitForTransactionReceipt({ hash });
  }

  /** `recordDownload(modelId)` on chain; throws when the transaction reverts. */
  async #recordDownload(
    walletClient: WalletClient,
    contracts: NonNullable<AppConfig["contracts"]>,
    modelId: bigint,
  ): Promise<void> {
    this.phase = "recording";
    const hash = await sendCall(this.wallet, walletClient, {
      address: contracts.registry,
      abi: modelRegistryAbi,
      functionName: "recordDownload",
      args: [modelId],
    });
    this.txHash = hash;
    const receipt = await this.wallet.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new Error("The download could not be recorded on chain.");
  }

  /** Fetches the encrypted content, decrypts and checks it against the chain, then caches it. */
  async #fetchVerifyAndCache(
    reader: GatewayReader,
    model: ChainModel,
    contentKey: Awaited<ReturnType<typeof unlockContentKey>>,
    checkedCard: ModelCard | null | undefined,
  ): Promise<void> {
    this.phase = "downloading";
    const contentCid = cidFromChain(model.content);
    const stat = await unixfs(reader.helia)
      .stat(contentCid, { signal: AbortSignal.timeout(60_000) })
      .catch(() => null);
    this.total = stat && "fileSize" in stat ? Number(stat.fileSize) : null;
    const bytes = await openModel({
      ciphertext: reader.cat(contentCid, { onProgress: (n) => (this.received = n) }),
      totalBytes: this.total ?? undefined,
      contentKey,
      expectedSha256: model.sha256,
    });

    this.phase = "verifying";
    if (!checkedCard)
      throw new Error(
        "The model was verified, but this server has no model card for it, so it cannot be run.",
      );
    await putModel({
      sha256: model.sha256.slice(2),
      modelId: String(model.id),
      card: checkedCard,
      bytes: bytes.buffer as ArrayBuffer,
    });
  }
}
