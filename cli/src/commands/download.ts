import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { ModelCard } from "@neuroledger/sdk/card";
import { unwrapKeyring } from "@neuroledger/sdk/crypto";
import type { Hex } from "viem";
import { accountKeyOf } from "../chain/accounts.ts";
import { abis, connectChain } from "../chain/client.ts";
import { getModel } from "../chain/models.ts";
import { type Connection, requireAccount, requireNode } from "../config.ts";
import { IntegrityError, RefusedError } from "../errors.ts";
import { NodeClient } from "../ipfs/client.ts";
import { type Logger, silentLogger } from "../log.ts";
import { KEYRING_TIMEOUT_MS, readKeyring } from "../models/keyringCard.ts";
import { fetchAndOpen } from "../models/storage.ts";
import type { Progress } from "../progress.ts";

export interface DownloadParameters {
  connection: Connection;
  modelId: bigint;
  out: string;
  log?: Logger;
  onProgress?: Progress;
  /** How long to wait for the ciphertext and keyring (default 60 s). */
  timeoutMs?: number;
}

export interface DownloadResult {
  modelId: string;
  out: string;
  sha256: Hex;
  bytes: number;
  txHash: Hex;
  /** The model card from the keyring, checked to name the on-chain sha256; undefined if it has none. */
  card: ModelCard | undefined;
  /** Milliseconds per step (the storage path and the chain transaction apart). */
  timings: Record<string, number>;
}

/**
 * `neuroledger download`: records the download on chain, fetches keyring + ciphertext from the
 * institution node, checks the keyring's model card names the on-chain sha256, unwraps the content
 * key, decrypts (every chunk authenticated), checks the plaintext sha256 against the chain, and
 * only then renames the temporary file to `out`.
 *
 * @example
 * await download({ connection, modelId: 1n, out: "model.onnx" });
 */
export async function download(params: DownloadParameters): Promise<DownloadResult> {
  const log = params.log ?? silentLogger;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - mark;
    mark = now;
  };
  const account = requireAccount(params.connection);
  // Signed in as the account: the node serves the keyring and the blocks only to it (issue 11).
  const node = new NodeClient(requireNode(params.connection), params.timeoutMs ?? 60_000, account);
  const chain = await connectChain(params.connection);
  const model = await getModel(chain, params.modelId);

  const allowed = (await chain.publicClient.readContract({
    address: chain.registry,
    abi: abis.registry,
    functionName: "canDownload",
    args: [account.address, params.modelId],
  })) as boolean;
  if (!allowed) {
    throw new RefusedError(`account ${account.address} may not download model ${params.modelId}`, {
      hints: [
        "Only members, staff of a member, and patients with an unexpired grant may download.",
      ],
    });
  }
  lap("chainReads");
  const { hash } = await chain.write({
    address: chain.registry,
    abi: abis.registry,
    functionName: "recordDownload",
    args: [params.modelId],
  });
  lap("chainTx");
  log.info("download recorded", { modelId: params.modelId.toString(), tx: hash });

  // The card hashes to the on-chain card hash and names the chain sha256; the file's sha256 is
  // checked below: the card run is the one published, for this file.
  const accountKey = await accountKeyOf(chain);
  const { card, unlocked: contentKey } = await readKeyring(
    (cid) => node.catBytes(cid, AbortSignal.timeout(KEYRING_TIMEOUT_MS)),
    model,
    { account: account.address, log, unlock: (k) => unwrapKeyring(k, account.address, accountKey) },
  );
  lap("keyring");
  const { plaintext, sha256 } = await fetchAndOpen({
    store: node,
    cid: model.contentCid,
    contentKey,
    onProgress: params.onProgress,
  });
  const bytes = await writeVerified(plaintext, sha256, model.sha256, params.out);
  lap("fetchDecryptVerify");
  log.info("downloaded", { out: params.out, bytes, sha256: model.sha256 });
  return {
    modelId: params.modelId.toString(),
    out: params.out,
    sha256: model.sha256,
    bytes,
    txHash: hash,
    card,
    timings,
  };
}

/**
 * Writes to a temporary file beside `out` and renames it over `out` only after the stream ended
 * and its sha256 equals `expected`; on any failure the temporary file is removed and `out` is
 * left as it was.
 */
export async function writeVerified(
  stream: ReadableStream<Uint8Array>,
  digest: Promise<string>,
  expected: Hex,
  out: string,
): Promise<number> {
  const temporary = join(
    dirname(out),
    `.${basename(out)}.${randomBytes(6).toString("hex")}.partial`,
  );
  let bytes = 0;
  try {
    const counted = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    await counted.pipeTo(Writable.toWeb(createWriteStream(temporary, { flags: "wx" })));
    const actual = await digest;
    if (actual.toLowerCase() !== expected.toLowerCase()) {
      throw new IntegrityError(
        `the decrypted model hashes to ${actual}, but the chain records ${expected}: refused, nothing written`,
      );
    }
    await rename(temporary, out);
    return bytes;
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw err;
  }
}
