import { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createDecryptStream, createEncryptStream } from "@neuroledger/sdk/crypto";
import { createNodeSha256Stream } from "@neuroledger/sdk/node";
import { addPinned } from "../ipfs/api.ts";
import { containerChunker } from "../ipfs/containerChunker.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Progress } from "../progress.ts";

/** Where encrypted models go: an institution node over HTTP (the CLI) or a Helia in-process (bench). */
export interface ContentStore {
  add(bytes: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string>;
  cat(cid: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

/** A Helia node in this process as a ContentStore (pins what it adds unless `pin: false`). */
export function heliaStore(
  node: IpfsNode,
  options: { pin?: boolean; timeoutMs?: number } = {},
): ContentStore {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    async add(bytes, signal) {
      const chunker = containerChunker();
      if (options.pin === false)
        return (await node.fs.addByteStream(bytes, { signal, chunker })).toString();
      return (
        await addPinned(node, bytes, { chunker, signal, pinTimeoutMs: timeoutMs })
      ).toString();
    },
    async cat(cid, signal) {
      const { CID } = await import("multiformats/cid");
      return node.fs.cat(CID.parse(cid), { signal: signal ?? AbortSignal.timeout(timeoutMs) });
    },
  };
}

export interface SealAndAddParameters {
  store: ContentStore;
  plaintext: ReadableStream<Uint8Array>;
  contentKey: Uint8Array;
  /** Container salt: pass a deterministic one to make re-runs produce the same CID. */
  salt?: Uint8Array;
  size?: number;
  onProgress?: Progress;
  signal?: AbortSignal;
}

/**
 * The publish storage path: plaintext -> chunked AES-256-GCM container -> IPFS. Streams, so
 * memory stays at about one chunk whatever the model size.
 */
export async function sealAndAdd(params: SealAndAddParameters): Promise<{ cid: string }> {
  const sealed = params.plaintext
    .pipeThrough(readAhead())
    .pipeThrough(
      createEncryptStream(params.contentKey, {
        salt: params.salt,
        totalInputBytes: params.size,
        onProgress: (p) => params.onProgress?.(p.inputBytes, params.size ?? 0),
      }),
    )
    .pipeThrough(readAhead());
  const cid = await params.store.add(sealed as unknown as AsyncIterable<Uint8Array>, params.signal);
  return { cid };
}

export interface FetchAndOpenParameters {
  store: ContentStore;
  cid: string;
  contentKey: Uint8Array;
  /** Container size (for progress), when known. */
  size?: number;
  onProgress?: Progress;
  signal?: AbortSignal;
}

/**
 * The download storage path: IPFS -> decrypt (every chunk authenticated) -> sha256. Returns the
 * plaintext stream and the digest promise; the caller pipes the stream to its sink and only then
 * awaits the digest (and compares it with the chain's before trusting the bytes).
 */
export async function fetchAndOpen(
  params: FetchAndOpenParameters,
): Promise<{ plaintext: ReadableStream<Uint8Array>; sha256: Promise<string> }> {
  const body = await params.store.cat(params.cid, params.signal);
  const hash = createNodeSha256Stream();
  const plaintext = toWebStream(body)
    .pipeThrough(readAhead())
    .pipeThrough(
      createDecryptStream(params.contentKey, {
        totalInputBytes: params.size,
        onProgress: (p) => params.onProgress?.(p.inputBytes, params.size ?? 0),
      }),
    )
    .pipeThrough(readAhead())
    .pipeThrough(hash.stream);
  return { plaintext, sha256: hash.digest };
}

/**
 * A pass-through that buffers up to `chunks` chunks on each side, so the stages around it run at
 * the same time: AES-GCM runs on libuv's thread pool while the main thread hashes and stores
 * blocks. Memory: at most a few chunks (1 MiB each by default) per buffer.
 */
export function readAhead(chunks = 4): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    { highWaterMark: chunks },
    { highWaterMark: chunks },
  );
}

function toWebStream(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  return NodeReadableStream.from(body) as unknown as ReadableStream<Uint8Array>;
}
