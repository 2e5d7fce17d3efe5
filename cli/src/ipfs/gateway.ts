import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CarWriter } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { idleTimeout } from "@neuroledger/sdk/ipfs";
import { CID } from "multiformats/cid";
import { parseRange } from "./httpRange.ts";
import type { IpfsNode } from "./node.ts";

const RAW_CODEC = 0x55;

/** What the gateway's access policy says about one request for one CID. */
export type AccessDecision =
  | { allowed: true /** The model whose DAG the CID belongs to, if any. */; modelId?: bigint }
  | { allowed: false; status: 401 | 403 | 404; error: string };

/**
 * Who may read what through the gateway (see access/policy.ts). Without one the gateway serves
 * every block it has or can fetch (a storage-only node).
 */
export interface GatewayAccess {
  /** Routes of its own (sign-in `/auth/...`, public cards `/cards/...`); true when it answered. */
  routes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  authorize(req: IncomingMessage, cid: CID): Promise<AccessDecision>;
  /** Called with each block served under a decision: dag-pb blocks name the model's next blocks. */
  served(cid: CID, bytes: Uint8Array, decision: AccessDecision): void;
}

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
  access?: GatewayAccess;
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
  res.setHeader("Access-Control-Allow-Headers", "Accept, Range, Content-Type, Authorization");
  res.setHeader(
    "Access-Control-Expose-Headers",
    "Content-Length, Content-Type, Content-Range, Accept-Ranges, X-Ipfs-Roots",
  );
  res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The query parameters the gateway understands; anything else is refused. */
const GATEWAY_PARAMETERS = new Set(["format"]);

/**
 * Which response a `/ipfs/<cid>` request asks for: `?format=` first, then the Accept header.
 * An unknown or repeated parameter, or an unknown format, is a sentence for a 400.
 */
function wantedFormat(req: IncomingMessage, url: URL): "raw" | "car" | "file" | { error: string } {
  for (const name of new Set(url.searchParams.keys())) {
    if (!GATEWAY_PARAMETERS.has(name))
      return { error: `unknown parameter "${name}": the gateway takes only ?format=raw|car` };
    if (url.searchParams.getAll(name).length > 1)
      return { error: `parameter "${name}" is given more than once` };
  }
  const format = url.searchParams.get("format");
  if (format !== null) {
    if (format === "raw" || format === "car") return format;
    return { error: `unknown format "${format.slice(0, 40)}": use format=raw or format=car` };
  }
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

type GatewayFormat = "raw" | "car" | "file";

/**
 * The CID and format a `/ipfs/<cid>` request asks for, or the sentence for a 400 (a path inside
 * the CID, not a CID, a parameter or format not served, a Range on a CAR).
 */
function readIpfsRequest(
  req: IncomingMessage,
  url: URL,
): { cid: CID; format: GatewayFormat } | { error: string } {
  const [, , cidText = "", ...rest] = url.pathname.split("/");
  if (rest.length > 0 && rest.some((p) => p !== "")) {
    return { error: "paths inside a CID are not served; ask for /ipfs/<cid>" };
  }
  let cid: CID;
  try {
    cid = CID.parse(cidText);
  } catch {
    return { error: `not a CID: ${cidText.slice(0, 100)}` };
  }
  const format = wantedFormat(req, url);
  if (typeof format === "object") return format;
  if (format === "car" && req.headers.range !== undefined) {
    return { error: "Range is not served with format=car; ask for the whole CAR" };
  }
  return { cid, format };
}

async function serveIpfs(
  options: GatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  timeoutMs: number,
): Promise<void> {
  const { node, access } = options;
  const request = readIpfsRequest(req, url);
  if ("error" in request) {
    sendJson(res, 400, { error: request.error });
    return;
  }
  const { cid, format } = request;
  // Checked before any block is read, so a refused reader learns nothing, not even whether the
  // node holds the CID.
  const decision: AccessDecision = access ? await access.authorize(req, cid) : { allowed: true };
  if (!decision.allowed) {
    if (decision.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="neuroledger"');
    sendJson(res, decision.status, { error: decision.error });
    return;
  }
  // Bounds each wait for a block, not the whole response: a big model streamed to a slow client
  // (one that decrypts as it reads) outlasts timeoutMs and must still arrive whole.
  const stall = idleTimeout(timeoutMs);
  const signal = AbortSignal.any([stall.signal, abandonedSignal(res)]);
  try {
    if (format === "raw") {
      const bytes = await readBlock(node, cid, signal);
      access?.served(cid, bytes, decision);
      sendRawBlock(req, res, cid, bytes);
      return;
    }
    await sendStream(node, req, res, cid, format, { signal, progressed: stall.touch });
  } catch (err) {
    if (res.headersSent) {
      res.destroy(err as Error);
      return;
    }
    const timedOut = stall.timedOut;
    sendJson(res, timedOut ? 504 : 502, {
      error: timedOut
        ? `${cid} not found within ${timeoutMs} ms on this node or its peers`
        : `could not read ${cid}: ${(err as Error).message}`,
    });
  } finally {
    stall.clear();
  }
}

/** One block (`format=raw`), whole or the asked byte range of it. */
function sendRawBlock(req: IncomingMessage, res: ServerResponse, cid: CID, bytes: Uint8Array) {
  const range = parseRange(req.headers.range, bytes.length);
  if (!sendRangeRefusal(res, range, bytes.length)) return;
  const body =
    range.kind === "range" ? bytes.subarray(range.range.start, range.range.end + 1) : bytes;
  res.writeHead(range.kind === "range" ? 206 : 200, {
    "Content-Type": "application/vnd.ipld.raw",
    "Content-Length": body.length,
    "Accept-Ranges": "bytes",
    ...(range.kind === "range"
      ? { "Content-Range": `bytes ${range.range.start}-${range.range.end}/${bytes.length}` }
      : {}),
    "Cache-Control": "public, max-age=29030400, immutable",
    "X-Ipfs-Roots": cid.toString(),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** A CAR of the DAG, or the file's bytes (whole or the asked range), streamed. */
async function sendStream(
  node: IpfsNode,
  req: IncomingMessage,
  res: ServerResponse,
  cid: CID,
  format: "car" | "file",
  { signal, progressed }: { signal: AbortSignal; progressed: () => void },
) {
  let status = 200;
  const headers: Record<string, string | number> = {
    "Content-Type":
      format === "car" ? "application/vnd.ipld.car; version=1" : "application/octet-stream",
    "X-Ipfs-Roots": cid.toString(),
  };
  let catOptions: { offset?: number; length?: number } = {};
  if (format === "file" && req.headers.range !== undefined) {
    const size = Number((await node.fs.stat(cid, { signal })).size);
    const range = parseRange(req.headers.range, size);
    if (!sendRangeRefusal(res, range, size)) return;
    if (range.kind === "range") {
      status = 206;
      const { start, end } = range.range;
      headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
      headers["Content-Length"] = end - start + 1;
      catOptions = { offset: start, length: end - start + 1 };
    }
  }
  if (format === "file") headers["Accept-Ranges"] = "bytes";
  const body =
    format === "car" ? carOf(node, cid, signal) : node.fs.cat(cid, { signal, ...catOptions });
  // Pull the first chunk before the status line so a missing CID still gets a 504, not a 200.
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  progressed();
  res.writeHead(status, headers);
  if (req.method === "HEAD") {
    res.end();
    await iterator.return?.();
    return;
  }
  if (!first.done) await write(res, first.value);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    progressed();
    await write(res, next.value);
  }
  res.end();
}

/** Answers 400 or 416 for a Range the gateway does not serve; true when the request may go on. */
function sendRangeRefusal(
  res: ServerResponse,
  range: ReturnType<typeof parseRange>,
  length: number,
): boolean {
  if (range.kind === "invalid") {
    sendJson(res, 400, { error: range.reason });
    return false;
  }
  if (range.kind === "unsatisfiable") {
    res.setHeader("Content-Range", `bytes */${length}`);
    sendJson(res, 416, { error: range.reason });
    return false;
  }
  return true;
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

/** Sends one request to its route: `/ipfs/`, `/health`, the access policy's, the control API's. */
async function routeRequest(
  options: GatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  timeoutMs: number,
): Promise<void> {
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
    await serveIpfs(options, req, res, url, timeoutMs);
    return;
  }
  if (url.pathname === "/health") {
    setBrowserHeaders(res);
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS") {
      sendJson(res, 405, { error: "/health answers GET or HEAD" });
      return;
    }
    sendJson(res, 200, { ok: true, peerId: options.node.peerId });
    return;
  }
  if (await serveAccessRoute(options.access, req, res, url)) return;
  if (options.api && url.pathname.startsWith("/api/")) {
    if (await options.api(req, res, url)) return;
  }
  sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
}

/** The access policy's routes (`/auth/`, `/cards/`) with browser headers; true when answered. */
async function serveAccessRoute(
  access: GatewayAccess | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (!access || !(url.pathname.startsWith("/auth/") || url.pathname.startsWith("/cards/"))) {
    return false;
  }
  setBrowserHeaders(res);
  if (req.method === "OPTIONS") {
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.writeHead(204).end();
    return true;
  }
  return access.routes(req, res, url);
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
    const handle = () => routeRequest(options, req, res, url, timeoutMs);
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
