// Storage throughput: plain Helia add/cat against NeuroLedger's storage path (encrypt + add,
// fetch + decrypt + sha256 verify), on the same node, same sizes, same run.
import { createHash, randomFillSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchVerified, heliaStore, sealAndAdd, startIpfsNode } from "@neuroledger/cli";
import { bytesToStream, generateContentKey } from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";

export interface StorageRow {
  sizeMB: number;
  plainAddMBps: number;
  plainCatMBps: number;
  publishMBps: number;
  downloadMBps: number;
  ratioPublish: number;
  ratioDownload: number;
}

const SLICE = 1024 * 1024;

function randomModel(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes);
  // randomFillSync takes at most 2^31-1 bytes per call; slices keep it simple.
  for (let o = 0; o < bytes; o += SLICE) randomFillSync(data.subarray(o, o + SLICE));
  return data;
}

async function* slices(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < data.length; o += SLICE) yield data.subarray(o, o + SLICE);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Median of `reps` runs per path; fresh random data for every add so nothing is deduplicated. */
export async function benchStorage(sizesMB: number[], reps: number): Promise<StorageRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "nl-bench-"));
  const node = await startIpfsNode({ dir });
  // Neither path pins: both measure the same add.
  const store = heliaStore(node, { pin: false });
  const rows: StorageRow[] = [];
  try {
    for (const sizeMB of sizesMB) {
      const bytes = sizeMB * 1024 * 1024;
      const times = {
        plainAdd: [] as number[],
        plainCat: [] as number[],
        publish: [] as number[],
        download: [] as number[],
      };
      for (let r = 0; r < reps; r++) {
        // Alternate which path goes first: the second one meets the first one's disk writeback.
        const runPlain = async () => {
          const plain = randomModel(bytes);
          let plainCid = "";
          times.plainAdd.push(
            await timed(async () => {
              plainCid = (await node.fs.addByteStream(slices(plain))).toString();
            }),
          );
          times.plainCat.push(
            await timed(async () => {
              let n = 0;
              for await (const chunk of node.fs.cat(CID.parse(plainCid), {
                signal: AbortSignal.timeout(120_000),
              })) {
                n += chunk.length;
              }
              if (n !== bytes) throw new Error(`plain cat returned ${n} bytes, expected ${bytes}`);
            }),
          );
        };
        const runSealed = async () => {
          const model = randomModel(bytes);
          const contentKey = generateContentKey();
          const expected = `0x${createHash("sha256").update(model).digest("hex")}`;
          let sealedCid = "";
          times.publish.push(
            await timed(async () => {
              sealedCid = (
                await sealAndAdd({ store, plaintext: bytesToStream(model, SLICE), contentKey })
              ).cid;
            }),
          );
          times.download.push(
            await timed(async () => {
              // The download's path (fetch, decrypt, sha256 checked) into a sink that only counts.
              let n = 0;
              await fetchVerified({
                store,
                cid: sealedCid,
                contentKey,
                expectedSha256: expected,
                sink: {
                  write: (c) => {
                    n += c.length;
                  },
                  finish: () => undefined,
                  discard: () => undefined,
                },
              });
              if (n !== bytes) throw new Error("download path returned other bytes");
            }),
          );
        };
        if (r % 2 === 0) {
          await runPlain();
          await runSealed();
        } else {
          await runSealed();
          await runPlain();
        }
      }
      const mbps = (t: number[]) => sizeMB / median(t);
      const row: StorageRow = {
        sizeMB,
        plainAddMBps: mbps(times.plainAdd),
        plainCatMBps: mbps(times.plainCat),
        publishMBps: mbps(times.publish),
        downloadMBps: mbps(times.download),
        ratioPublish: 0,
        ratioDownload: 0,
      };
      row.ratioPublish = row.publishMBps / row.plainAddMBps;
      row.ratioDownload = row.downloadMBps / row.plainCatMBps;
      rows.push(row);
    }
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
