import type { IncomingMessage } from "node:http";
import * as dagPb from "@ipld/dag-pb";
import type { CID } from "multiformats/cid";
import type { ChainClient } from "../chain/client.ts";
import type { AccessDecision, GatewayAccess } from "../ipfs/gateway.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import { ModelBlockIndex } from "./blockIndex.ts";
import { type ContentSince, DownloadDecisions } from "./decisions.ts";
import { servePublicKeyring } from "./publicKeyring.ts";
import type { GatewaySignIn } from "./signIn.ts";

export interface AccessPolicyOptions {
  chain: ChainClient;
  node: IpfsNode;
  signIn: GatewaySignIn;
  log: Logger;
  /**
   * The first block from which a download of a model counts: the block where its current
   * content CID was registered (publish, or a later content-key rotation). See `contentSince`.
   */
  contentSince?: ContentSince;
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
  const index = new ModelBlockIndex(chain, node);
  const decisions = new DownloadDecisions(chain, index, options.contentSince);

  /** The current owners of `cid`, re-reading the roots and re-indexing once when it is unknown. */
  const ownersOf = async (cid: string) => {
    const owners = index.ownersOf(cid);
    if (owners.length > 0) return owners;
    if (await index.refreshRoots())
      for (const owner of index.roots.values()) await index.indexLocal(owner);
    return index.ownersOf(cid);
  };

  return {
    async routes(req, res, url) {
      if (!url.pathname.startsWith("/cards/")) return signIn.routes(req, res, url);
      await servePublicKeyring(index, node, req, res, url);
      return true;
    },

    async authorize(req: IncomingMessage, cid: CID): Promise<AccessDecision> {
      const who = signIn.accountOf(req);
      if ("error" in who) return { allowed: false, status: 401, error: who.error };
      const text = cid.toString();
      const owners = await ownersOf(text);
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
          verdict = await decisions.decide(who.account, owner);
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
      for (const owner of index.ownersOf(cid.toString())) {
        if (owner.modelId !== decision.modelId) continue;
        for (const link of dagPb.decode(bytes).Links) index.remember(link.Hash.toString(), owner);
      }
    },

    async indexModel(modelId) {
      await index.refreshRoots();
      for (const owner of index.roots.values())
        if (owner.modelId === modelId) await index.indexLocal(owner);
    },
  };
}
