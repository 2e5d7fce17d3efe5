import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CarWriter } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import type { IpfsNode } from "./node.ts";

const RAW_CODEC = 0x55;

export interface GatewayOptions {
  node: IpfsNode;
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** How long one request may wait for blocks from peers before answering 504. */
  fetchTimeoutMs?: number;
  /**
   * Extra routes for the node's local control API (`/api/...`). They get no CORS headers, so a web
   * page cannot call them; only local processes (the CLI) do.
   */
  api?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface Gateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Headers that let any page, including a cross-origin-isolated one (COEP), read a response. */
function setBrowserHeaders(res: ServerResponse): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  res.setHeader("Access-Control-Allow-Headers", "Accept, Range, Content-Type");
  res.setHeader("Access-Control-Expose-Headers", "Content-Length, Content-Type, X-Ipfs-Roots");
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Which response a `/ipfs/<cid>` request asks for: `?format=` first, then the Accept header. */
function wantedFormat(req: IncomingMessage, url: URL): "raw" | "car" | "file" {
  const format = url.searchParams.get("format");
  if (format === "raw" || format === "car") return format;
  const accept = req.headers.accept ?? "";
  if (accept.includes("application/vnd.ipld.raw")) return "raw";
  if (accept.includes("application/vnd.ipld.car")) return "car";
  return "file";
}

async function readBlock(node: IpfsNode, cid: CID, signal: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of node.helia.blockstore.get(cid, { signal })) parts.push(part);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** Streams every block of a UnixFS DAG (dag-pb + raw leaves), depth first, as a CARv1. */
async function* carOf(node: IpfsNode, root: CID, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  const fill = (async () => {
    try {
      const stack: CID[] = [root];
      while (stack.length > 0) {
        const cid = stack.pop() as CID;
        const bytes = await readBlock(node, cid, signal);
        await writer.put({ cid, bytes });
        if (cid.code === dagPb.code) {
          const links = dagPb.decode(bytes).Links;
          for (let i = links.length - 1; i >= 0; i--) stack.push((links[i] as dagPb.PBLink).Hash);
        } else if (cid.code !== RAW_CODEC) {
          throw new Error(`codec 0x${cid.code.toString(16)} is not served as CAR`);
        }
      }
    } finally {
      await writer.close();
    }
  })();
  yield* out;
  await fill;
}

async function serveIpfs(
  node: IpfsNode,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  timeoutMs: number,
): Promise<void> {
  const [, , cidText = "", ...rest] = url.pathname.split("/");
  if (rest.length > 0 && rest.some((p) => p !== "")) {
    sendJson(res, 400, { error: "paths inside a CID are not served; ask for /ipfs/<cid>" });
    return;
  }
  let cid: CID;
  try {
    cid = CID.parse(cidText);
  } catch {
    sendJson(res, 400, { error: `not a CID: ${cidText}` });
    return;
  }
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), abandonedSignal(res)]);
  const format = wantedFormat(req, url);
  try {
    if (format === "raw") {
      const bytes = await readBlock(node, cid, signal);
      res.writeHead(200, {
        "Content-Type": "application/vnd.ipld.raw",
        "Content-Length": bytes.length,
        "Cache-Control": "public, max-age=29030400, immutable",
        "X-Ipfs-Roots": cid.toString(),
      });
      res.end(req.method === "HEAD" ? undefined : bytes);
      return;
    }
    const body = format === "car" ? carOf(node, cid, signal) : node.fs.cat(cid, { signal });
    // Pull the first chunk before the status line so a missing CID still gets a 504, not a 200.
    const iterator = body[Symbol.asyncIterator]();
    const first = await iterator.next();
    res.writeHead(200, {
      "Content-Type":
        format === "car" ? "application/vnd.ipld.car; version=1" : "application/octet-stream",
      "X-Ipfs-Roots": cid.toString(),
    });
    if (req.method === "HEAD") {
      res.end();
      await iterator.return?.();
      return;
    }
    if (!first.done) await write(res, first.value);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      await write(res, next.value);
    }
    res.end();
  } catch (err) {
    if (res.headersSent) {
      res.destroy(err as Error);
      return;
    }
    const timedOut = signal.aborted;
    sendJson(res, timedOut ? 504 : 502, {
      error: timedOut
        ? `${cid} not found within ${timeoutMs} ms on this node or its peers`
        : `could not read ${cid}: ${(err as Error).message}`,
    });
  }
}

function write(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Aborts when the client goes away before the response is sent. The listener sits on the
 * response, not on the socket: a keep-alive socket serves many requests, and per-request
 * listeners on it would pile up for the socket's whole life.
 */
function abandonedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * A trustless HTTP gateway (`GET /ipfs/<cid>?format=raw|car`, plus the plain file bytes) bound to
 * 127.0.0.1, with CORS `*` and `Cross-Origin-Resource-Policy: cross-origin` so that COEP pages may
 * fetch from it. Blocks the node lacks are fetched from its peers, bounded by `fetchTimeoutMs`.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const timeoutMs = options.fetchTimeoutMs ?? 30_000;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const handle = async () => {
      if (url.pathname.startsWith("/ipfs/")) {
        setBrowserHeaders(res);
        if (req.method === "OPTIONS") {
          res.writeHead(204).end();
          return;
        }
        if (req.method !== "GET" && req.method !== "HEAD") {
          sendJson(res, 405, { error: "the gateway is read-only: GET or HEAD" });
          return;
        }
        await serveIpfs(options.node, req, res, url, timeoutMs);
        return;
      }
      if (url.pathname === "/health") {
        setBrowserHeaders(res);
        sendJson(res, 200, { ok: true, peerId: options.node.peerId });
        return;
      }
      if (options.api && url.pathname.startsWith("/api/")) {
        if (await options.api(req, res, url)) return;
      }
      sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    };
    handle().catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: err.message });
      else res.destroy(err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
