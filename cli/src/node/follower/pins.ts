import { CID } from "multiformats/cid";
import type { ChainClient } from "../../chain/client.ts";
import { keptModelIds, type OnChainModel } from "../../chain/models.ts";
import { unpin } from "../../ipfs/api.ts";
import type { IpfsNode } from "../../ipfs/node.ts";
import type { Logger } from "../../log.ts";
import type { FollowerState } from "./state.ts";

/** Ids (decimal) of the models the registry keeps now: the latest and the top ten. */
export async function keptModelIdSet(chain: ChainClient): Promise<Set<string>> {
  const { latest, top } = await keptModelIds(chain);
  return new Set([...top, ...(latest > 0n ? [latest] : [])].map(String));
}

/**
 * Unpins (no network needed) every pinned model outside `kept`, and the CIDs of every published
 * model outside `kept` whose pin was never recorded; forgets them in `state` (not saved here).
 */
export async function unpinDropped(
  node: IpfsNode,
  state: FollowerState,
  kept: Set<string>,
  log: Logger,
) {
  for (const [id, entry] of Object.entries(state.pins)) {
    if (kept.has(id)) continue;
    for (const cid of [entry.content, ...entry.keyrings]) await unpin(node, CID.parse(cid));
    delete state.pins[id];
    log.info("unpinned", { modelId: id, content: entry.content });
  }
  for (const [id, cids] of Object.entries(state.published ?? {})) {
    if (kept.has(id)) continue;
    for (const cid of cids) await unpin(node, CID.parse(cid));
    delete state.published?.[id];
  }
}

/** True when `state` already pins `model`'s content and current keyring. */
export function isPinned(state: FollowerState, id: string, model: OnChainModel): boolean {
  const entry = state.pins[id];
  return entry?.content === model.contentCid && entry.keyrings[0] === model.keyringCid;
}

/**
 * Records in `state` (not saved here) that model `id`'s content and current keyring are pinned,
 * after unpinning what they replace: older keyrings of a kept model, and its content before a key
 * rotation, except the keyring the registry keeps as `previousKeyring` (readers fall back to it
 * when the current one fails). Throws when an unpin fails.
 */
export async function recordPin(
  node: IpfsNode,
  state: FollowerState,
  id: string,
  model: OnChainModel,
) {
  const previous = state.pins[id];
  const fallback = previous?.keyrings.find(
    (k) => k === model.previousKeyringCid && k !== model.keyringCid,
  );
  for (const old of previous?.keyrings.filter((k) => k !== model.keyringCid && k !== fallback) ??
    [])
    await unpin(node, CID.parse(old));
  if (previous && previous.content !== model.contentCid)
    await unpin(node, CID.parse(previous.content));
  state.pins[id] = {
    content: model.contentCid,
    keyrings: [model.keyringCid, ...(fallback ? [fallback] : [])],
  };
  delete state.published?.[id];
}
