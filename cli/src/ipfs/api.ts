import type { IncomingMessage, ServerResponse } from "node:http";
import type { Chunker } from "ipfs-unixfs-importer/chunker";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { containerChunker } from "./containerChunker.ts";
import { sendJson } from "./gateway.ts";
import type { IpfsNode } from "./node.ts";

const MAX_PIN_TIMEOUT_MS = 600_000;

/** `?cid=` and `?timeoutMs=` of `/api/pin`, from the query string or a JSON body. */
const pinParameters = z
  .object({
    cid: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? "cid is missing: pass ?cid=<CID>"
            : "cid must be a CID string",
      })
      .transform((text, ctx) => {
        try {
          return CID.parse(text);
        } catch {
          ctx.addIssue({ code: "custom", message: `cid "${text.slice(0, 100)}" is not a CID` });
          return z.NEVER;
        }
      }),
    timeoutMs: z.coerce
      .number({ error: "timeoutMs must be a number of milliseconds" })
      .int({ error: "timeoutMs must be a whole number of milliseconds" })
      .min(1, { error: "timeoutMs must be at least 1 ms" })
      .max(MAX_PIN_TIMEOUT_MS, { error: `timeoutMs must be at most ${MAX_PIN_TIMEOUT_MS} ms` })
      .default(60_000),
  })
  .strict();
const noParameters = z.object({}).strict();

/**
 * The node's local control API, used by the CLI on the same machine (publish adds and pins through
 * it, so one process owns the block store). Mounted under `/api/` on the gateway's port, without
 * CORS headers; the gateway binds 127.0.0.1 only. Every request passes `refuseCrossSite` first
 * (loopback Host, no foreign Origin or Sec-Fetch-Site); state changes also need a content type a
 * page cannot send without a CORS preflight (which this API never grants).
 *
 * - `POST /api/add` (body: the bytes, `Content-Type: application/octet-stream`) -> `{ cid }`, pinned
 * - `POST /api/pin` / `DELETE /api/pin` (`Content-Type: application/json`; `cid` and optional
 *   `timeoutMs` (1..600000, default 60000) in the query or the JSON body) -> `{ cid, pinned }`
 * - `GET /api/pins` -> `{ pins: string[] }`
 * - `GET /api/id` -> `{ peerId, multiaddrs, peers }`
 *
 * Errors: 400 names the bad parameter, 403 a cross-site request, 405 a wrong method, 415 a wrong
 * content type.
 */
export function controlApi(node: IpfsNode, extra?: () => Record<string, unknown>) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const route = ROUTES[url.pathname];
    if (!route) return false;
    const crossSite = refuseCrossSite(req);
    if (crossSite) {
      sendJson(res, 403, { error: crossSite });
      return true;
    }
    if (!route.methods.includes(req.method ?? "")) {
      res.setHeader("Allow", route.methods.join(", "));
      sendJson(res, 405, { error: `${url.pathname} answers ${route.methods.join(" or ")}` });
      return true;
    }
    if (url.pathname === "/api/add") return handleAdd(node, req, res, url);
    if (url.pathname === "/api/pin") return handlePin(node, req, res, url);
    const query = parseQuery(url, noParameters);
    if (!query.ok) return badRequest(res, query.error);
    if (url.pathname === "/api/pins") {
      sendJson(res, 200, { pins: await listPins(node) });
      return true;
    }
    sendJson(res, 200, {
      peerId: node.peerId,
      multiaddrs: node.multiaddrs(),
      peers: node.helia.libp2p.getPeers().map(String),
      ...extra?.(),
    });
    return true;
  };
}

/** `POST /api/add`: the body's bytes, cut by the container chunker, added and pinned. */
async function handleAdd(node: IpfsNode, req: IncomingMessage, res: ServerResponse, url: URL) {
  const query = parseQuery(url, noParameters);
  if (!query.ok) return badRequest(res, query.error);
  if (mediaType(req) !== "application/octet-stream") {
    sendJson(res, 415, { error: "send the bytes as Content-Type: application/octet-stream" });
    return true;
  }
  const cid = await addPinned(node, req as AsyncIterable<Uint8Array>, {
    chunker: containerChunker(),
  });
  sendJson(res, 200, { cid: cid.toString() });
  return true;
}

/** `POST /api/pin` (fetch and pin, within `timeoutMs`) and `DELETE /api/pin` (unpin). */
async function handlePin(node: IpfsNode, req: IncomingMessage, res: ServerResponse, url: URL) {
  if (mediaType(req) !== "application/json") {
    sendJson(res, 415, {
      error: "send Content-Type: application/json (parameters in the query or a JSON body)",
    });
    return true;
  }
  const body = await readJsonObject(req);
  if (!body.ok) return badRequest(res, body.error);
  const parsed = parseQuery(url, pinParameters, body.value);
  if (!parsed.ok) return badRequest(res, parsed.error);
  const { cid, timeoutMs } = parsed.value;
  if (req.method === "POST") await pin(node, cid, AbortSignal.timeout(timeoutMs));
  else await unpin(node, cid);
  sendJson(res, 200, { cid: cid.toString(), pinned: req.method === "POST" });
  return true;
}

const MAX_JSON_BODY = 4096;
const ROUTES: Record<string, { methods: string[] }> = {
  "/api/add": { methods: ["POST"] },
  "/api/pin": { methods: ["POST", "DELETE"] },
  "/api/pins": { methods: ["GET"] },
  "/api/id": { methods: ["GET"] },
};

/**
 * Why a request may not reach the control API, or undefined. Browsers name the page's origin in
 * `Origin` (every cross-origin request, and same-origin POSTs) and `Sec-Fetch-Site`; a Host that
 * is not loopback means a DNS-rebound name. Local tools send neither header.
 */
export function refuseCrossSite(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? "";
  if (!LOOPBACK_HOST.test(host))
    return `the control API answers only loopback hosts, not Host "${host.slice(0, 100)}"`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`)
    return `cross-site request refused: Origin "${origin.slice(0, 100)}" is not this node`;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none")
    return `cross-site request refused: Sec-Fetch-Site is "${String(site).slice(0, 40)}"`;
  return undefined;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?$/i;

function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function badRequest(res: ServerResponse, error: string): true {
  sendJson(res, 400, { error });
  return true;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Query parameters (each at most once) merged with `body`, checked by `schema`. */
function parseQuery<T extends z.ZodType>(
  url: URL,
  schema: T,
  body: Record<string, unknown> = {},
): Parsed<z.output<T>> {
  const values: Record<string, unknown> = { ...body };
  for (const name of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(name);
    if (all.length > 1) return { ok: false, error: `parameter "${name}" is given more than once` };
    if (name in body)
      return { ok: false, error: `parameter "${name}" is in both the query and the body` };
    values[name] = all[0];
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === "unrecognized_keys")
    return { ok: false, error: `unknown parameter "${issue.keys[0]}"` };
  const name = issue?.path.join(".") ?? "";
  const message = issue?.message ?? "invalid parameters";
  return { ok: false, error: message.includes(name) ? message : `${name}: ${message}` };
}

/** A JSON object body (empty body = `{}`), at most a few KiB. */
async function readJsonObject(req: IncomingMessage): Promise<Parsed<Record<string, unknown>>> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    length += part.length;
    if (length > MAX_JSON_BODY)
      return { ok: false, error: `the JSON body is over ${MAX_JSON_BODY} bytes` };
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString("utf8").trim();
  if (text === "") return { ok: true, value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value))
      return { ok: true, value: value as Record<string, unknown> };
  } catch {}
  return { ok: false, error: "the body is not a JSON object" };
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
