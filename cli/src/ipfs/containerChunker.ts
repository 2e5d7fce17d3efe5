import { CONTAINER_HEADER_BYTES, CONTAINER_TAG_BYTES, joinBytes } from "@neuroledger/sdk/crypto";
import type { Chunker } from "ipfs-unixfs-importer/chunker";
import { fixedSize } from "ipfs-unixfs-importer/chunker";

const MAGIC = [0x4e, 0x4c, 0x45, 0x43]; // "NLEC"
const MAX_BLOCK = 2 * 1024 * 1024; // larger container chunks fall back to fixed-size blocks

/**
 * A UnixFS chunker that cuts a NeuroLedger container (sdk README, "Encrypted container") into one
 * block per sealed chunk (the header rides in the first), so a block is exactly one authenticated
 * unit and the default 1 MiB chunks make 1 MiB blocks: four times fewer blocks than the default
 * 256 KiB chunker, and sealed chunks arriving whole are stored without a copy. Anything that is
 * not a container (a keyring, a plain file) is cut by the default fixed-size chunker.
 */
export function containerChunker(): Chunker {
  return async function* chunk(source) {
    const iterator = source[Symbol.asyncIterator]();
    // Collect the header to decide how to cut.
    const first = await readHead(iterator);
    const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => iterator };
    const sealed = sealedChunkSize(first);
    if (sealed === undefined) {
      yield* fixedSize()(prepend(first, rest));
      return;
    }
    yield* sealedChunkBlocks(prepend(first, rest), sealed);
  };
}

/** The first pieces of `iterator`, joined, until they hold a container header (or it ends). */
async function readHead(iterator: AsyncIterator<Uint8Array>): Promise<Uint8Array> {
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < CONTAINER_HEADER_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  return joinBytes(head);
}

/**
 * Block 0 = header + sealed chunk 0; then one block per sealed chunk. The copy buffer is
 * allocated only when input does not arrive as whole sealed chunks (e.g. over HTTP).
 */
async function* sealedChunkBlocks(
  container: AsyncIterable<Uint8Array>,
  sealed: number,
): AsyncGenerator<Uint8Array> {
  let target = CONTAINER_HEADER_BYTES + sealed;
  let block: Uint8Array | undefined;
  let filled = 0;
  for await (const input of container) {
    if (filled === 0 && input.length === target) {
      yield input; // a whole sealed chunk as it came from the encryptor: no copy
      target = sealed;
      continue;
    }
    let offset = 0;
    while (offset < input.length) {
      block ??= new Uint8Array(target);
      const n = Math.min(target - filled, input.length - offset);
      block.set(input.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === target) {
        yield block;
        target = sealed;
        block = undefined;
        filled = 0;
      }
    }
  }
  if (block && filled > 0) yield block.subarray(0, filled);
}

/** The sealed chunk size (plaintext chunk + tag) if `header` starts a version-1 container. */
function sealedChunkSize(header: Uint8Array): number | undefined {
  if (
    header.length < CONTAINER_HEADER_BYTES ||
    MAGIC.some((b, i) => header[i] !== b) ||
    header[4] !== 1
  ) {
    return undefined;
  }
  const plain = new DataView(header.buffer, header.byteOffset, header.length).getUint32(8);
  const sealed = plain + CONTAINER_TAG_BYTES;
  return sealed + CONTAINER_HEADER_BYTES <= MAX_BLOCK ? sealed : undefined;
}

async function* prepend(
  first: Uint8Array,
  rest: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (first.length > 0) yield first;
  yield* rest;
}
