import type { IncomingMessage, ServerResponse } from "node:http";
import type { Chunker } from "ipfs-unixfs-importer/chunker";
import { CID } from "multiformats/cid";
import { containerChunker } from "./containerChunker.ts";
import { sendJson } from "./gateway.ts";
import type { IpfsNode } from "./node.ts";

/**
 * The node's local control API, used by the CLI on the same machine (publish adds and pins through
 * it, so one process owns the block store). Mounted under `/api/` on the gateway's port, without
 * CORS headers; the gateway binds 127.0.0.1 only.
 *
 * - `POST /api/add` (body: the bytes, `Content-Type: application/octet-stream`) -> `{ cid }`, pinned
 * - `POST /api/pin?cid=` / `DELETE /api/pin?cid=` -> `{ cid, pinned }`
 * - `GET /api/pins` -> `{ pins: string[] }`
 * - `GET /api/id` -> `{ peerId, multiaddrs, peers }`
 */
export function controlApi(node: IpfsNode, extra?: () => Record<string, unknown>) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const route = `${req.method} ${url.pathname}`;
    if (route === "POST /api/add") {
      if (req.headers["content-type"] !== "application/octet-stream") {
        sendJson(res, 415, { error: "send the bytes as application/octet-stream" });
        return true;
      }
      const cid = await addPinned(node, req as AsyncIterable<Uint8Array>, {
        chunker: containerChunker(),
      });
      sendJson(res, 200, { cid: cid.toString() });
      return true;
    }
    if (url.pathname === "/api/pin" && (req.method === "POST" || req.method === "DELETE")) {
      const cid = parseCid(url.searchParams.get("cid"));
      if (!cid) {
        sendJson(res, 400, { error: "missing or malformed ?cid=" });
        return true;
      }
      const timeout = AbortSignal.timeout(Number(url.searchParams.get("timeoutMs") ?? 60_000));
      if (req.method === "POST") await pin(node, cid, timeout);
      else await unpin(node, cid);
      sendJson(res, 200, { cid: cid.toString(), pinned: req.method === "POST" });
      return true;
    }
    if (route === "GET /api/pins") {
      sendJson(res, 200, { pins: await listPins(node) });
      return true;
    }
    if (route === "GET /api/id") {
      sendJson(res, 200, {
        peerId: node.peerId,
        multiaddrs: node.multiaddrs(),
        peers: node.helia.libp2p.getPeers().map(String),
        ...extra?.(),
      });
      return true;
    }
    return false;
  };
}

function parseCid(text: string | null): CID | undefined {
  try {
    return text ? CID.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Pins a DAG (fetching missing blocks from peers). Pinning twice is a no-op. */
export async function pin(node: IpfsNode, cid: CID, signal?: AbortSignal): Promise<void> {
  await node.gc.guard(() => pinBlocks(node, cid, signal));
}

/** Adds a byte stream and pins it, with no gc in between that could take its blocks. */
export async function addPinned(
  node: IpfsNode,
  bytes: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: { chunker?: Chunker; signal?: AbortSignal; pinTimeoutMs?: number } = {},
): Promise<CID> {
  const { chunker, signal, pinTimeoutMs = 60_000 } = options;
  return node.gc.guard(async () => {
    const cid = await node.fs.addByteStream(bytes, { chunker, signal });
    await pinBlocks(node, cid, signal ?? AbortSignal.timeout(pinTimeoutMs));
    return cid;
  });
}

async function pinBlocks(node: IpfsNode, cid: CID, signal?: AbortSignal): Promise<void> {
  if (await node.helia.pins.isPinned(cid)) return;
  for await (const _ of node.helia.pins.add(cid, {
    signal: signal ?? AbortSignal.timeout(60_000),
  })) {
    // each yielded CID is one pinned block
  }
}

/**
 * Unpins a DAG; its blocks are freed by a gc that runs once no add or pin is under way. Unpinning
 * what is not pinned is a no-op.
 */
export async function unpin(node: IpfsNode, cid: CID): Promise<void> {
  if (!(await node.helia.pins.isPinned(cid))) return;
  for await (const _ of node.helia.pins.rm(cid)) {
    // each yielded CID is one unpinned block
  }
  node.gc.request();
}

export async function listPins(node: IpfsNode): Promise<string[]> {
  const pins: string[] = [];
  for await (const p of node.helia.pins.ls()) pins.push(p.cid.toString());
  return pins.sort();
}
