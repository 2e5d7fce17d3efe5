import type { IncomingMessage } from "node:http";
import * as dagPb from "@ipld/dag-pb";
import type { CID } from "multiformats/cid";
import { type ChainClient, withTask } from "../chain/client.ts";
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
  /**
   * Indexes a model's local blocks now (a task's pin follower calls it after pinning); without
   * `task`, the model of that id in every task.
   */
  indexModel(modelId: bigint, task?: string): Promise<void>;
};

/** One task's registry as the gateway sees it: its models' blocks and its download decisions. */
interface TaskLane {
  task: string;
  index: ModelBlockIndex;
  decisions: DownloadDecisions;
}

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
 *
 * A node serves every task's models (issue 15): each task's registry has its own block index and
 * decisions (model ids restart at 1 in every registry), and a block is served when the reader may
 * download a model of any task that owns it.
 */
export function createAccessPolicy(options: AccessPolicyOptions): AccessPolicy {
  const { chain, node, signIn, log } = options;
  const lanes: TaskLane[] = chain.tasks.map(({ task }) => {
    const taskChain = withTask(chain, task);
    const index = new ModelBlockIndex(taskChain, node);
    return {
      task,
      index,
      decisions: new DownloadDecisions(taskChain, index, options.contentSince),
    };
  });

  const ownersIn = (cid: string) =>
    lanes.flatMap((lane) => lane.index.ownersOf(cid).map((owner) => ({ lane, owner })));
  /** The current owners of `cid`, re-reading the roots and re-indexing once when it is unknown. */
  const ownersOf = async (cid: string) => {
    const owners = ownersIn(cid);
    if (owners.length > 0) return owners;
    for (const { index } of lanes)
      if (await index.refreshRoots())
        for (const owner of index.roots.values()) await index.indexLocal(owner);
    return ownersIn(cid);
  };

  return {
    async routes(req, res, url) {
      if (!url.pathname.startsWith("/cards/")) return signIn.routes(req, res, url);
      await servePublicKeyring(
        lanes.map((lane) => lane.index),
        node,
        req,
        res,
        url,
      );
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
      for (const { lane, owner } of owners) {
        let verdict: true | string;
        try {
          verdict = await lane.decisions.decide(who.account, owner);
        } catch (err) {
          log.warn("access check failed", { error: (err as Error).message });
          return {
            allowed: false,
            status: 403,
            error: "the registry could not be read: try again",
          };
        }
        if (verdict === true) return { allowed: true, modelId: owner.modelId };
        reasons.push(lanes.length > 1 ? `${lane.task}: ${verdict}` : verdict);
      }
      return { allowed: false, status: 403, error: reasons.join("; ") };
    },

    served(cid, bytes, decision) {
      if (!decision.allowed || decision.modelId === undefined || cid.code !== dagPb.code) return;
      for (const { lane, owner } of ownersIn(cid.toString())) {
        if (owner.modelId !== decision.modelId) continue;
        for (const link of dagPb.decode(bytes).Links)
          lane.index.remember(link.Hash.toString(), owner);
      }
    },

    async indexModel(modelId, task) {
      for (const { index } of lanes.filter((lane) => task === undefined || lane.task === task)) {
        await index.refreshRoots();
        for (const owner of index.roots.values())
          if (owner.modelId === modelId) await index.indexLocal(owner);
      }
    },
  };
}
