import { canDownload as mayDownload } from "@neuroledger/chain/actions";
import type { Address } from "viem";
import { abis, type ChainClient } from "../chain/client.ts";
import type { ModelBlockIndex, Owner } from "./blockIndex.ts";

/**
 * How long a yes from the chain (canDownload, a download record) is trusted before asking again:
 * a revocation or an expiry takes effect within this time.
 */
const DECISION_TTL_MS = 3_000;

/** The first block from which a download of `modelId`'s current content (`contentCid`) counts. */
export type ContentSince = (modelId: bigint, contentCid: string) => Promise<bigint>;

/** The chain's answer to "may this account read this part of this model", cached briefly. */
export class DownloadDecisions {
  private readonly decisions = new Map<string, { at: number; result: Promise<true | string> }>();
  private readonly sinceCache = new Map<string, bigint>();
  private readonly contentSince: ContentSince;

  private readonly chain: ChainClient;
  private readonly index: ModelBlockIndex;

  constructor(chain: ChainClient, index: ModelBlockIndex, contentSince?: ContentSince) {
    this.chain = chain;
    this.index = index;
    this.contentSince = contentSince ?? ((id, cid) => this.registeredSince(id, cid));
  }

  /** True, or the sentence that says why `account` may not read `owner`'s part. */
  decide(account: Address, owner: Owner): Promise<true | string> {
    const key = `${account.toLowerCase()}|${owner.modelId}|${owner.part}|${owner.root}`;
    const cached = this.decisions.get(key);
    if (cached && Date.now() - cached.at < DECISION_TTL_MS) return cached.result;
    const result = this.askChain(account, owner);
    // Only a yes is remembered (for a few seconds, so a download asks the chain once, not per
    // block): a refusal or a failed chain read is asked again, so a download recorded a moment
    // ago counts at once.
    result.then(
      (verdict) => {
        if (verdict !== true) this.decisions.delete(key);
      },
      () => this.decisions.delete(key),
    );
    this.decisions.set(key, { at: Date.now(), result });
    if (this.decisions.size > 10_000) this.decisions.clear();
    return result;
  }

  private async askChain(account: Address, owner: Owner): Promise<true | string> {
    const { chain } = this;
    if (
      !(await mayDownload(chain.publicClient, {
        registry: chain.registry,
        account,
        modelId: owner.modelId,
      }))
    )
      return `account ${account} may not download model ${owner.modelId}`;
    if (owner.part === "keyring") return true;
    const contentCid = [...this.index.roots.values()].find(
      (o) => o.modelId === owner.modelId && o.part === "content",
    )?.root;
    if (!contentCid) return `model ${owner.modelId} is no longer kept`;
    if (!(await this.downloadRecorded(account, owner.modelId, contentCid)))
      return `account ${account} has not recorded a download of model ${owner.modelId} (of its current content): call recordDownload(${owner.modelId}) first`;
    return true;
  }

  private async downloadRecorded(account: Address, modelId: bigint, contentCid: string) {
    const since = await this.contentSince(modelId, contentCid);
    const records = await this.chain.publicClient.getContractEvents({
      address: this.chain.registry,
      abi: abis.registry,
      eventName: "ModelDownloaded",
      args: { modelId, account },
      fromBlock: since,
    });
    return records.length > 0;
  }

  /** The block where the model's current content CID was registered (cached per CID). */
  private async registeredSince(modelId: bigint, contentCid: string): Promise<bigint> {
    const key = `${modelId}|${contentCid}`;
    const cached = this.sinceCache.get(key);
    if (cached !== undefined) return cached;
    const { chain } = this;
    const fromBlock = BigInt(chain.deployment.deployBlock);
    const [published, rotated] = await Promise.all([
      chain.publicClient.getContractEvents({
        address: chain.registry,
        abi: abis.registry,
        eventName: "ModelPublished",
        args: { modelId },
        fromBlock,
      }),
      chain.publicClient.getContractEvents({
        address: chain.registry,
        abi: abis.registry,
        eventName: "ContentKeyRotated",
        args: { modelId },
        fromBlock,
      }),
    ]);
    const blocks = [...published, ...rotated].map((e) => e.blockNumber ?? 0n);
    // biome-ignore lint/complexity/useMathMinMax: block numbers are bigints
    const since = blocks.reduce((a, b) => (b > a ? b : a), fromBlock);
    this.sinceCache.set(key, since);
    return since;
  }
}
