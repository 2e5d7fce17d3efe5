import { ReadableStream as NodeReadableStream } from "node:stream/web";
import {
  createEncryptStream,
  decryptVerified,
  openContainer,
  type PlaintextSink,
  readAhead,
  type StreamProgress,
} from "@neuroledger/sdk/crypto";
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
 * IPFS -> the sdk's `openContainer` (every chunk authenticated, hashed with node:crypto). Returns
 * the plaintext stream and the digest promise, NOT yet compared with the chain's sha256: only for
 * content key rotation, which re-encrypts the stream and checks the digest (`assertSha256`) before
 * registering anything. Readers that keep the bytes use {@link fetchVerified}.
 */
export async function fetchAndOpen(
  params: FetchAndOpenParameters,
): Promise<{ plaintext: ReadableStream<Uint8Array>; sha256: Promise<string> }> {
  return openContainer(await containerParameters(params));
}

export type FetchVerifiedParameters<T> = FetchAndOpenParameters & {
  /** The plaintext's sha256 recorded on chain. */
  expectedSha256: string;
  /** Where the bytes wait until verified (e.g. the sdk's `preparePrivateOutput`). */
  sink: PlaintextSink<T>;
};

/**
 * The download storage path: IPFS -> the sdk's one `decryptVerified` (every chunk authenticated,
 * sha256 compared with the chain's before `sink.finish` hands anything out; `sink.discard` on any
 * failure). Streams: memory stays at a few chunks whatever the model size.
 *
 * @returns what `sink.finish` returns.
 * @throws DecryptionFailedError / InvalidContainerError, IntegrityError (sha256), the store's errors.
 */
export async function fetchVerified<T>(params: FetchVerifiedParameters<T>): Promise<T> {
  let opened: Awaited<ReturnType<typeof containerParameters>>;
  try {
    opened = await containerParameters(params);
  } catch (error) {
    await params.sink.discard(error);
    throw error;
  }
  return decryptVerified({ ...opened, expectedSha256: params.expectedSha256, sink: params.sink });
}

/** Fetches the container and names the stages' settings (node:crypto hash, read-ahead, progress). */
async function containerParameters(params: FetchAndOpenParameters) {
  const body = await params.store.cat(params.cid, params.signal);
  return {
    ciphertext: toWebStream(body),
    contentKey: params.contentKey,
    totalInputBytes: params.size,
    onProgress: (p: StreamProgress) => params.onProgress?.(p.inputBytes, params.size ?? 0),
    createHash: createNodeSha256Stream,
  };
}

function toWebStream(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  return NodeReadableStream.from(body) as unknown as ReadableStream<Uint8Array>;
}
