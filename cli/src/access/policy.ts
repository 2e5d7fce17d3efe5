import type { IncomingMessage, ServerResponse } from "node:http";
import * as dagPb from "@ipld/dag-pb";
import { canDownload as mayDownload } from "@neuroledger/chain/actions";
import { parseKeyring, serializeKeyring } from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import type { Address } from "viem";
import { abis, type ChainClient } from "../chain/client.ts";
import { getModel, keptModelIds } from "../chain/models.ts";
import { type AccessDecision, type GatewayAccess, sendJson } from "../ipfs/gateway.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import type { GatewaySignIn } from "./signIn.ts";

/** Which part of a model a block belongs to: the keyring (wraps + card) or the encrypted content. */
type Part = "keyring" | "content";
interface Owner {
  modelId: bigint;
  part: Part;
  /** The root CID (content or keyring) the block was reached from. */
  root: string;
}

/**
 * How long a yes from the chain (canDownload, a download record) is trusted before asking again:
 * a revocation or an expiry takes effect within this time.
 */
const DECISION_TTL_MS = 3_000;
/** DAG nodes walked per root when indexing a kept model's local blocks. */
const MAX_INDEXED_NODES = 100_000;

export interface AccessPolicyOptions {
  chain: ChainClient;
  node: IpfsNode;
  signIn: GatewaySignIn;
  log: Logger;
  /**
   * The first block from which a download of a model counts: the block where its current
   * content CID was registered (publish, or a later content-key rotation). See `contentSince`.
   */
  contentSince?: (modelId: bigint, contentCid: string) => Promise<bigint>;
}

export type AccessPolicy = GatewayAccess & {
  /** Indexes a model's local blocks now (the pin follower calls it after pinning). */
  indexModel(modelId: bigint): Promise<void>;
};

/**
 * Who may read what from this node's gateway (issue 11, kind 3):
 * - every `/ipfs/` request needs a bearer token from `/auth/token` (see signIn.ts);
 * - a block of a kept model's keyring goes to an account that `canDownload` the model;
 * - a block of its encrypted content goes to an account that `canDownload` it AND recorded a
 *   download (`ModelDownloaded`) since the content CID was registered: every person who reads
 *   leaves a row on chain, and after a content-key rotation the old record no longer counts;
 * - any other CID (another model's old content or keyring, unrelated data) is refused.
 *
 * Which blocks belong to which model: the roots come from the chain (content and keyring CIDs of
 * the latest model and the top ten); their blocks are indexed by walking the local DAG, and a
 * dag-pb block served under a decision names its children (its links are hash-checked), so a
 * reader walking the DAG through the gateway is followed block by block.
 */
export function createAccessPolicy(options: AccessPolicyOptions): AccessPolicy {
  const { chain, node, signIn, log } = options;
  /** Current roots by CID string (rebuilt from the chain). */
  let roots = new Map<string, Owner>();
  /** Every known block of a current root (a block may belong to several models). */
  const blocks = new Map<string, Owner[]>();
  /** The chain head when the roots were last read. */
  let rootsBlock = -1n;
  let rootsReading: Promise<void> | undefined;
  const decisions = new Map<string, { at: number; result: Promise<true | string> }>();

  const remember = (cid: string, owner: Owner) => {
    const owners = blocks.get(cid) ?? [];
    if (!owners.some((o) => o.modelId === owner.modelId && o.part === owner.part)) {
      owners.push(owner);
      blocks.set(cid, owners);
    }
  };
  /** Owners of a CID whose root is still current (an evicted or rotated root no longer counts). */
  const ownersOf = (cid: string): Owner[] =>
    (blocks.get(cid) ?? []).filter((o) => roots.get(o.root)?.modelId === o.modelId);

  const readRoots = async (head: bigint) => {
    const { latest, top } = await keptModelIds(chain);
    const ids = new Set([...top, ...(latest > 0n ? [latest] : [])]);
    const next = new Map<string, Owner>();
    for (const id of ids) {
      const model = await getModel(chain, id).catch(() => undefined);
      if (!model) continue;
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
    roots = next;
    for (const [cid, owner] of next) remember(cid, owner);
    for (const [cid, owners] of blocks) {
      const live = owners.filter((o) => roots.get(o.root)?.modelId === o.modelId);
      if (live.length === 0) blocks.delete(cid);
      else blocks.set(cid, live);
    }
    if (head > rootsBlock) rootsBlock = head;
  };
  /**
   * Re-reads the roots when the chain has a block the last read did not see (a model published
   * a moment ago is found at once; nothing is re-read while the chain stands still). True when
   * it read them.
   */
  const refreshRoots = async (): Promise<boolean> => {
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    let read = false;
    while (rootsBlock < head) {
      rootsReading ??= readRoots(head).finally(() => {
        rootsReading = undefined;
      });
      await rootsReading;
      read = true;
    }
    return read;
  };

  /** Walks the blocks of `root` this node holds, recording each under `owner`. */
  const indexLocal = async (owner: Owner) => {
    const stack = [CID.parse(owner.root)];
    let walked = 0;
    while (stack.length > 0 && walked++ < MAX_INDEXED_NODES) {
      const cid = stack.pop() as CID;
      remember(cid.toString(), owner);
      if (cid.code !== dagPb.code) continue;
      if (!(await node.helia.blockstore.has(cid))) continue;
      const bytes = await readLocal(cid);
      for (const link of dagPb.decode(bytes).Links) stack.push(link.Hash);
    }
  };
  const readLocal = async (cid: CID): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    for await (const part of node.helia.blockstore.get(cid, { offline: true } as never))
      parts.push(part);
    return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  };

  const canDownload = (account: Address, modelId: bigint) =>
    mayDownload(chain.publicClient, { registry: chain.registry, account, modelId });

  /** The block from which a download of the model's current content counts (cached per CID). */
  const sinceCache = new Map<string, bigint>();
  const contentSince =
    options.contentSince ??
    (async (modelId: bigint, contentCid: string) => {
      const key = `${modelId}|${contentCid}`;
      const cached = sinceCache.get(key);
      if (cached !== undefined) return cached;
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
      sinceCache.set(key, since);
      return since;
    });

  const downloadRecorded = async (account: Address, modelId: bigint, contentCid: string) => {
    const since = await contentSince(modelId, contentCid);
    const records = await chain.publicClient.getContractEvents({
      address: chain.registry,
      abi: abis.registry,
      eventName: "ModelDownloaded",
      args: { modelId, account },
      fromBlock: since,
    });
    return records.length > 0;
  };

  /** True, or the sentence that says why `account` may not read `owner`'s part. */
  const decide = (account: Address, owner: Owner): Promise<true | string> => {
    const key = `${account.toLowerCase()}|${owner.modelId}|${owner.part}|${owner.root}`;
    const cached = decisions.get(key);
    if (cached && Date.now() - cached.at < DECISION_TTL_MS) return cached.result;
    const result = (async (): Promise<true | string> => {
      if (!(await canDownload(account, owner.modelId)))
        return `account ${account} may not download model ${owner.modelId}`;
      if (owner.part === "keyring") return true;
      const contentCid = [...roots.values()].find(
        (o) => o.modelId === owner.modelId && o.part === "content",
      )?.root;
      if (!contentCid) return `model ${owner.modelId} is no longer kept`;
      if (!(await downloadRecorded(account, owner.modelId, contentCid)))
        return `account ${account} has not recorded a download of model ${owner.modelId} (of its current content): call recordDownload(${owner.modelId}) first`;
      return true;
    })();
    // Only a yes is remembered (for a few seconds, so a download asks the chain once, not per
    // block): a refusal or a failed chain read is asked again, so a download recorded a moment
    // ago counts at once.
    result.then(
      (verdict) => {
        if (verdict !== true) decisions.delete(key);
      },
      () => decisions.delete(key),
    );
    decisions.set(key, { at: Date.now(), result });
    if (decisions.size > 10_000) decisions.clear();
    return result;
  };

  /**
   * `GET /cards/<keyringCid>`: the public part of a kept model's keyring (card, content CID,
   * key commitment; `wraps` emptied), for pages that show a model card to anyone. The reader checks
   * it against the chain (card hash, sha256, content CID) as it checks a whole keyring.
   */
  const servePublicKeyring = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const text = url.pathname.slice("/cards/".length);
    if (req.method !== "GET") return sendJson(res, 405, { error: "/cards answers GET" });
    if ([...url.searchParams.keys()].length > 0)
      return sendJson(res, 400, { error: "/cards/<keyringCid> takes no parameters" });
    let cid: CID;
    try {
      cid = CID.parse(text);
    } catch {
      return sendJson(res, 400, { error: `not a CID: ${text.slice(0, 100)}` });
    }
    let owner = roots.get(cid.toString());
    if (!owner) {
      await refreshRoots();
      owner = roots.get(cid.toString());
    }
    if (owner?.part !== "keyring")
      return sendJson(res, 404, {
        error: `${cid} is not the keyring of a model this node serves`,
      });
    try {
      const parts: Uint8Array[] = [];
      let length = 0;
      for await (const part of node.fs.cat(cid, { signal: AbortSignal.timeout(15_000) })) {
        length += part.length;
        if (length > 1024 * 1024) throw new Error("the keyring is over 1 MiB");
        parts.push(part);
      }
      const keyring = parseKeyring(Buffer.concat(parts));
      res.setHeader("Cache-Control", "public, max-age=29030400, immutable");
      sendJson(res, 200, JSON.parse(serializeKeyring({ ...keyring, wraps: [] })));
    } catch (err) {
      sendJson(res, 502, { error: `could not read keyring ${cid}: ${(err as Error).message}` });
    }
  };

  return {
    async routes(req, res, url) {
      if (!url.pathname.startsWith("/cards/")) return signIn.routes(req, res, url);
      await servePublicKeyring(req, res, url);
      return true;
    },

    async authorize(req: IncomingMessage, cid: CID): Promise<AccessDecision> {
      const who = signIn.accountOf(req);
      if ("error" in who) return { allowed: false, status: 401, error: who.error };
      const text = cid.toString();
      let owners = ownersOf(text);
      if (owners.length === 0) {
        if (await refreshRoots()) for (const owner of roots.values()) await indexLocal(owner);
        owners = ownersOf(text);
      }
      if (owners.length === 0)
        return {
          allowed: false,
          status: 403,
          error: `${text} is not a block of a model this node serves (the latest model and the top ten)`,
        };
      const reasons: string[] = [];
      for (const owner of owners) {
        let verdict: true | string;
        try {
          verdict = await decide(who.account, owner);
        } catch (err) {
          log.warn("access check failed", { error: (err as Error).message });
          return {
            allowed: false,
            status: 403,
            error: "the registry could not be read: try again",
          };
        }
        if (verdict === true) return { allowed: true, modelId: owner.modelId };
        reasons.push(verdict);
      }
      return { allowed: false, status: 403, error: reasons.join("; ") };
    },

    served(cid, bytes, decision) {
      if (!decision.allowed || decision.modelId === undefined || cid.code !== dagPb.code) return;
      for (const owner of ownersOf(cid.toString())) {
        if (owner.modelId !== decision.modelId) continue;
        for (const link of dagPb.decode(bytes).Links) remember(link.Hash.toString(), owner);
      }
    },

    async indexModel(modelId) {
      await refreshRoots();
      for (const owner of roots.values()) if (owner.modelId === modelId) await indexLocal(owner);
    },
  };
}
