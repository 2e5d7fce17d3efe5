import type { ModelCard } from "@neuroledger/sdk/card";
import { type AccountKey, unwrapKeyring } from "@neuroledger/sdk/crypto";
import { NoWrapForAccountError } from "@neuroledger/sdk/errors";
import { preparePrivateOutput } from "@neuroledger/sdk/node";
import type { Address, Hex } from "viem";
import { accountKeyOf, ensureEncryptionKey } from "../chain/accounts.ts";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import { getModel, type OnChainModel } from "../chain/models.ts";
import { type Connection, requireAccount, requireNode } from "../config.ts";
import { RefusedError } from "../errors.ts";
import { NodeClient } from "../ipfs/client.ts";
import { type Logger, silentLogger } from "../log.ts";
import { readKeyring } from "../models/keyringCard.ts";
import { fetchVerified } from "../models/storage.ts";
import type { Progress } from "../progress.ts";

export interface DownloadParameters {
  connection: Connection;
  modelId: bigint;
  out: string;
  log?: Logger;
  onProgress?: Progress;
  /** How long to wait for the ciphertext and keyring, and for a keeper's new wrap (default 60 s). */
  timeoutMs?: number;
  /** Test hook: called once decrypted bytes reached the (unlinked) scratch file. */
  afterFirstChunk?: (scratch: { pid: number; fd: number }) => Promise<void>;
}

export interface DownloadResult {
  modelId: string;
  out: string;
  sha256: Hex;
  bytes: number;
  txHash: Hex;
  /** True when this run registered the account's encryption key on chain (first download). */
  registeredKey: boolean;
  /** The model card from the keyring, checked to name the on-chain sha256; undefined if it has none. */
  card: ModelCard | undefined;
  /** Milliseconds per step (the storage path and the chain transaction apart). */
  timings: Record<string, number>;
}

/**
 * `neuroledger download`: the audit row on chain is written only when the download can succeed.
 * In order: checks `out` (folder exists and is writable, target not a folder), that the account
 * may download, registers its encryption key if the chain lacks it (then waits, bounded, for a
 * keeper to wrap the model's key for it), fetches the keyring, checks its card names the on-chain
 * sha256 and opens the account's wrap; only then records the download, fetches and decrypts the
 * ciphertext (every chunk authenticated) into an unlinked scratch file, checks the plaintext sha256
 * against the chain and places the file at `out`. A killed run leaves nothing decrypted behind
 * (the sdk's `preparePrivateOutput` and `decryptVerified`).
 *
 * Errors: `InvalidOutputError` (bad `out`, exit 3), `RefusedError` (may not download, no wrap,
 * exit 4), `IntegrityError` / sdk integrity errors (card, wrap, chunk or sha256, exit 5),
 * `TimeoutError` (node or chain, exit 6).
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
  const timeoutMs = params.timeoutMs ?? 60_000;
  const account = requireAccount(params.connection);
  // Signed in as the account: the node serves the keyring and the blocks only to it (issue 11).
  const node = new NodeClient(requireNode(params.connection), timeoutMs, account);
  const output = await preparePrivateOutput(params.out, {
    label: "--out",
    afterFirstChunk: params.afterFirstChunk,
  });
  try {
    const chain = await connectChain(params.connection);
    const model = await getModel(chain, params.modelId);
    await checkMayDownload(chain, account.address, params.modelId);
    const accountKey = await accountKeyOf(chain);
    const registeredKey = await ensureEncryptionKey(chain, accountKey);
    if (registeredKey)
      log.info("registered encryption key in every task's registry", {
        account: account.address,
        tasks: chain.tasks.length,
      });
    lap("chainReads");

    const { card, contentKey, keyringModel } = await openKeyring({
      chain,
      node,
      model,
      account: account.address,
      accountKey,
      // A key registered just now has no wrap yet: the keeper of the model's institution adds it.
      waitMs: registeredKey ? timeoutMs : 0,
      log,
    });
    lap("keyring");

    const { hash } = await chain.write({
      address: chain.registry,
      abi: abis.registry,
      functionName: "recordDownload",
      args: [params.modelId],
    });
    lap("chainTx");
    log.info("download recorded", { modelId: params.modelId.toString(), tx: hash });

    const bytes = await fetchVerified({
      store: node,
      cid: keyringModel.contentCid,
      contentKey,
      expectedSha256: model.sha256,
      sink: output,
      onProgress: params.onProgress,
    });
    lap("fetchDecryptVerify");
    log.info("downloaded", { out: output.path, bytes, sha256: model.sha256 });
    return {
      modelId: params.modelId.toString(),
      out: params.out,
      sha256: model.sha256,
      bytes,
      txHash: hash,
      registeredKey,
      card,
      timings,
    };
  } finally {
    await output.close();
  }
}

async function checkMayDownload(chain: ChainClient, account: Address, modelId: bigint) {
  const allowed = await chain.publicClient.readContract({
    address: chain.registry,
    abi: abis.registry,
    functionName: "canDownload",
    args: [account, modelId],
  });
  if (!allowed) {
    throw new RefusedError(`account ${account} may not download model ${modelId}`, {
      hints: [
        "Only members, staff of a member, and patients with an unexpired grant may download.",
      ],
    });
  }
}

interface OpenKeyringParameters {
  chain: ChainClient;
  node: NodeClient;
  model: OnChainModel;
  account: Address;
  accountKey: AccountKey;
  /** How long to wait for a keyring that wraps for the account's current key (0: do not wait). */
  waitMs: number;
  log: Logger;
}

/**
 * Reads the model's keyring as every reader must (`readKeyring`: card hash, content CID and sha256
 * checked against the chain, the previous keyring as fallback) and opens the account's wrap (which
 * also checks the key commitment): everything short of the ciphertext. While `waitMs` lasts it
 * follows the registry's keyring until one opens for the account's current key.
 */
async function openKeyring(params: OpenKeyringParameters) {
  const { chain, node, account, accountKey } = params;
  const modelId = params.model.id;
  const deadline = Date.now() + params.waitMs;
  let model = params.model;
  for (;;) {
    try {
      const { card, unlocked: contentKey } = await readKeyring((cid) => node.catBytes(cid), model, {
        account,
        log: params.log,
        unlock: (keyring) => unwrapKeyring(keyring, account, accountKey),
      });
      return { card, contentKey, keyringModel: model };
    } catch (err) {
      // A wrap for a key registered a moment ago is not there yet, or is still for the old key.
      const noWrapYet = err instanceof NoWrapForAccountError;
      const notForThisKey = (err as Error).name === "DecryptionFailedError";
      if (Date.now() >= deadline || !(noWrapYet || notForThisKey)) {
        throw noWrapYet ? noWrap(account, modelId, params.waitMs, err) : err;
      }
    }
    params.log.info("waiting for a keeper to wrap the model's key for this account", {
      modelId: modelId.toString(),
    });
    await new Promise((r) => setTimeout(r, 1000));
    model = await getModel(chain, modelId);
  }
}

function noWrap(account: Address, modelId: bigint, waitedMs: number, cause: unknown): RefusedError {
  const seconds = Math.round(waitedMs / 1000);
  return new RefusedError(
    waitedMs > 0
      ? `model ${modelId}'s keyring holds no key for account ${account} yet: its encryption key was registered just now and no keeper wrapped the model's key for it within ${seconds} s; nothing was recorded`
      : `model ${modelId}'s keyring holds no key for account ${account}; nothing was recorded`,
    {
      hints: [
        "The node of the model's institution wraps the key for every account that may download and has registered a key, within a few blocks: run download again in a minute.",
        "If it stays missing, ask that institution to check that its node (the keeper) runs.",
      ],
      cause,
    },
  );
}
