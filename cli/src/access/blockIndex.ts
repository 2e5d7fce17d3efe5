import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import type { ChainClient } from "../chain/client.ts";
import { getModel, keptModelIds } from "../chain/models.ts";
import type { IpfsNode } from "../ipfs/node.ts";

/** Which part of a model a block belongs to: the keyring (wraps + card) or the encrypted content. */
export type Part = "keyring" | "content";
export interface Owner {
  modelId: bigint;
  part: Part;
  /** The root CID (content or keyring) the block was reached from. */
  root: string;
}

/** DAG nodes walked per root when indexing a kept model's local blocks. */
const MAX_INDEXED_NODES = 100_000;

/**
 * Which blocks belong to which kept model: the roots (content and keyring CIDs of the latest
 * model and the top ten) come from the chain; their blocks are found by walking the local DAG or
 * recorded as a served dag-pb block names its children.
 */
export class ModelBlockIndex {
  /** Current roots by CID string (rebuilt from the chain). */
  roots = new Map<string, Owner>();
  /** Every known block of a current root (a block may belong to several models). */
  private readonly blocks = new Map<string, Owner[]>();
  /** The chain head when the roots were last read. */
  private rootsBlock = -1n;
  private rootsReading: Promise<void> | undefined;

  private readonly chain: ChainClient;
  private readonly node: IpfsNode;

  constructor(chain: ChainClient, node: IpfsNode) {
    this.chain = chain;
    this.node = node;
  }

  /** Records `cid` as a block of `owner` (once per model and part). */
  remember(cid: string, owner: Owner): void {
    const owners = this.blocks.get(cid) ?? [];
    if (!owners.some((o) => o.modelId === owner.modelId && o.part === owner.part)) {
      owners.push(owner);
      this.blocks.set(cid, owners);
    }
  }

  /** Owners of a CID whose root is still current (an evicted or rotated root no longer counts). */
  ownersOf(cid: string): Owner[] {
    return (this.blocks.get(cid) ?? []).filter((o) => this.isCurrent(o));
  }

  /**
   * Re-reads the roots when the chain has a block the last read did not see (a model published
   * a moment ago is found at once; nothing is re-read while the chain stands still). True when
   * it read them.
   */
  async refreshRoots(): Promise<boolean> {
    const head = await this.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    let read = false;
    while (this.rootsBlock < head) {
      this.rootsReading ??= this.readRoots(head).finally(() => {
        this.rootsReading = undefined;
      });
      await this.rootsReading;
      read = true;
    }
    return read;
  }

  /** Walks the blocks of `owner.root` this node holds, recording each under `owner`. */
  async indexLocal(owner: Owner): Promise<void> {
    const stack = [CID.parse(owner.root)];
    let walked = 0;
    while (stack.length > 0 && walked++ < MAX_INDEXED_NODES) {
      const cid = stack.pop() as CID;
      this.remember(cid.toString(), owner);
      if (cid.code !== dagPb.code) continue;
      if (!(await this.node.helia.blockstore.has(cid))) continue;
      const bytes = await this.readLocal(cid);
      for (const link of dagPb.decode(bytes).Links) stack.push(link.Hash);
    }
  }

  private isCurrent(owner: Owner): boolean {
    return this.roots.get(owner.root)?.modelId === owner.modelId;
  }

  private async readRoots(head: bigint): Promise<void> {
    const { latest, top } = await keptModelIds(this.chain);
    const ids = new Set([...top, ...(latest > 0n ? [latest] : [])]);
    const next = new Map<string, Owner>();
    for (const id of ids) await this.addRootsOf(id, next);
    this.roots = next;
    for (const [cid, owner] of next) this.remember(cid, owner);
    this.forgetStaleBlocks();
    if (head > this.rootsBlock) this.rootsBlock = head;
  }

  /** Adds model `id`'s content and keyring roots to `next` (none when the model cannot be read). */
  private async addRootsOf(id: bigint, next: Map<string, Owner>): Promise<void> {
    const model = await getModel(this.chain, id).catch(() => undefined);
    if (!model) return;
    next.set(model.contentCid, { modelId: id, part: "content", root: model.contentCid });
    next.set(model.keyringCid, { modelId: id, part: "keyring", root: model.keyringCid });
    // Readers fall back to the keyring the current one replaced (none across a rotation).
    if (model.previousKeyringCid)
      next.set(model.previousKeyringCid, {
        modelId: id,
        part: "keyring",
        root: model.previousKeyringCid,
      });
  }

  private forgetStaleBlocks(): void {
    for (const [cid, owners] of this.blocks) {
      const live = owners.filter((o) => this.isCurrent(o));
      if (live.length === 0) this.blocks.delete(cid);
      else this.blocks.set(cid, live);
    }
  }

  private async readLocal(cid: CID): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of this.node.helia.blockstore.get(cid, { offline: true } as never))
      parts.push(part);
    return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  }
}
