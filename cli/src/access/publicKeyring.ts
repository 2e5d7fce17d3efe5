import type { IncomingMessage, ServerResponse } from "node:http";
import { parseKeyring, serializeKeyring } from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import { sendJson } from "../ipfs/gateway.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { ModelBlockIndex } from "./blockIndex.ts";

/** Largest keyring `/cards/` reads, in bytes. */
const MAX_KEYRING_BYTES = 1024 * 1024;

/**
 * `GET /cards/<keyringCid>`: the public part of a kept model's keyring (card, content CID,
 * key commitment; `wraps` emptied), for pages that show a model card to anyone. The reader checks
 * it against the chain (card hash, sha256, content CID) as it checks a whole keyring.
 * Answers 405 (not GET), 400 (parameters, not a CID), 404 (not a kept keyring), 502 (unreadable).
 */
export async function servePublicKeyring(
  indexes: readonly ModelBlockIndex[],
  node: IpfsNode,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
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
  if ((await currentOwner(indexes, cid.toString()))?.part !== "keyring")
    return sendJson(res, 404, {
      error: `${cid} is not the keyring of a model this node serves`,
    });
  try {
    const keyring = parseKeyring(await readBounded(node, cid));
    res.setHeader("Cache-Control", "public, max-age=29030400, immutable");
    sendJson(res, 200, JSON.parse(serializeKeyring({ ...keyring, wraps: [] })));
  } catch (err) {
    sendJson(res, 502, { error: `could not read keyring ${cid}: ${(err as Error).message}` });
  }
}

/**
 * The root owner of `cid` in any task's index (one per task's registry), re-reading the roots
 * from the chain once when it is unknown.
 */
async function currentOwner(indexes: readonly ModelBlockIndex[], cid: string) {
  for (const index of indexes) {
    const owner = index.roots.get(cid);
    if (owner) return owner;
  }
  for (const index of indexes) {
    await index.refreshRoots();
    const owner = index.roots.get(cid);
    if (owner) return owner;
  }
  return undefined;
}

async function readBounded(node: IpfsNode, cid: CID): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of node.fs.cat(cid, { signal: AbortSignal.timeout(15_000) })) {
    length += part.length;
    if (length > MAX_KEYRING_BYTES) throw new Error("the keyring is over 1 MiB");
    parts.push(part);
  }
  return Buffer.concat(parts);
}
