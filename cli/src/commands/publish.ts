import { checkPublishableCard, cidFromChain, publishParamsFromCard } from "@neuroledger/sdk/chain";
import { buildKeyring, publicKeyHex, serializeKeyring } from "@neuroledger/sdk/crypto";
import { WeightsAlreadyPublishedError } from "@neuroledger/sdk/errors";
import { fileReadableStream } from "@neuroledger/sdk/node";
import type { Address, Hex } from "viem";
import {
  accountKeyOf,
  ensureEncryptionKey,
  publishRecipients,
  rolesOf,
} from "../chain/accounts.ts";
import { abis, type ChainClient, connectChain, withTask } from "../chain/client.ts";
import { modelIdByWeights, publishedIdFromLogs } from "../chain/models.ts";
import { type Connection, requireAccount, requireNode } from "../config.ts";
import { InvalidInputError, RefusedError } from "../errors.ts";
import { NodeClient } from "../ipfs/client.ts";
import { type Logger, silentLogger } from "../log.ts";
import { deriveContentKey } from "../models/contentKey.ts";
import { sealAndAdd } from "../models/storage.ts";
import { validateModel } from "../models/validateModel.ts";
import type { Progress } from "../progress.ts";

export interface PublishParameters {
  connection: Connection;
  modelPath: string;
  cardPath: string;
  parentId?: bigint;
  log?: Logger;
  onProgress?: Progress;
  /** Test hook: called after the IPFS adds, before the chain transaction. */
  afterAdd?: (cids: { contentCid: string; keyringCid: string }) => Promise<void> | void;
}

export interface PublishResult {
  modelId: string;
  contentCid: string;
  keyringCid: string;
  sha256: Hex;
  /** The weights hash registered for it (sdk `weightsHash`). */
  weightsHash: Hex;
  /** false when this very file was already registered (a re-run after a crash): nothing was sent. */
  published: boolean;
  txHash?: Hex;
  /** Milliseconds per step (the storage path and the chain transactions apart). */
  timings: Record<string, number>;
}

/**
 * `neuroledger publish`: validate, encrypt, add + pin on the institution node (the keyring
 * carries the model card), then register on chain. Safe to re-run after a crash at any step: the content key and container salt are derived
 * from the publisher's key and the model's sha256, so the ciphertext (and its CID) come out the
 * same; and the very file already on chain is reported, not published twice. Weights already on
 * chain in another file (renamed tensors, new metadata: the same network) are refused with a
 * {@link WeightsAlreadyPublishedError} before anything is encrypted, added or pinned.
 *
 * @example
 * const r = await publish({ connection, modelPath: "model.onnx", cardPath: "card.json" });
 */
export async function publish(params: PublishParameters): Promise<PublishResult> {
  const log = params.log ?? silentLogger;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark);
    mark = now;
  };
  const { card, sha256, weightsHash, size } = await validateModel(
    params.modelPath,
    params.cardPath,
  );
  // What the registry needs of the card (a test set of at least one image), before any add or tx.
  checkPublishableCard(card);
  lap("validate");
  const account = requireAccount(params.connection);
  const node = new NodeClient(requireNode(params.connection));
  const chain = await connectForCard(params.connection, card.task);

  const existing = await alreadyPublished(chain, sha256, weightsHash);
  if (existing) {
    log.info("already published", { modelId: existing.modelId, sha256 });
    return { ...existing, timings };
  }
  await checkPublisher(chain, account.address);
  lap("chainReads");

  const accountKey = await accountKeyOf(chain);
  if (await ensureEncryptionKey(chain, accountKey))
    log.info("registered encryption key in every task's registry", { tasks: chain.tasks.length });
  const { contentKey, salt } = await deriveContentKey(accountKey.secretKey, sha256);
  lap("accountKey");

  log.info("encrypting and adding", { bytes: size, node: node.url });
  const { cid: contentCid } = await sealAndAdd({
    store: node,
    plaintext: fileReadableStream(params.modelPath),
    contentKey,
    salt,
    size,
    onProgress: params.onProgress,
  });
  lap("encryptAdd");
  const recipients = await publishRecipients(chain, {
    address: account.address,
    publicKey: publicKeyHex(accountKey),
  });
  // The registry stores no card: it travels in the keyring, which every downloader fetches.
  const keyring = await buildKeyring(contentKey, recipients, card, { content: contentCid });
  const keyringCid = await node.add(bytesOnce(new TextEncoder().encode(serializeKeyring(keyring))));
  lap("keyring");
  log.info("added", { contentCid, keyringCid, recipients: recipients.length });
  await params.afterAdd?.({ contentCid, keyringCid });
  mark = performance.now();

  const args = publishParamsFromCard({
    card,
    content: contentCid,
    keyring: keyringCid,
    parentId: params.parentId ?? 0n,
    weightsHash,
  });
  // A race (the same weights published since the check) reverts with
  // RegistryWeightsAlreadyPublished, which the chain client turns into the same sentence.
  const { hash, logs } = await chain.write({
    address: chain.registry,
    abi: abis.registry,
    functionName: "publish",
    args: [args],
  });
  lap("chainTx");
  const modelId = publishedIdFromLogs(logs);
  if (modelId === undefined) throw new Error(`publish tx ${hash} emitted no ModelPublished event`);
  log.info("published", { modelId: modelId.toString(), tx: hash });
  return {
    modelId: modelId.toString(),
    contentCid,
    keyringCid,
    sha256,
    weightsHash,
    published: true,
    txHash: hash,
    timings,
  };
}

/**
 * The model registered with these weights: undefined when none; its record when it is this very
 * file (a re-run); a {@link WeightsAlreadyPublishedError} when it is another file of the same
 * network.
 */
async function alreadyPublished(
  chain: ChainClient,
  sha256: Hex,
  weightsHash: Hex,
): Promise<Omit<PublishResult, "timings"> | undefined> {
  const id = await modelIdByWeights(chain, weightsHash);
  if (id === 0n) return undefined;
  const logs = await chain.publicClient.getContractEvents({
    address: chain.registry,
    abi: abis.registry,
    eventName: "ModelPublished",
    args: { modelId: id },
    fromBlock: BigInt(chain.deployment.deployBlock),
    strict: true,
  });
  const args = logs[0]?.args;
  if (!args) throw new RefusedError(`model ${id}'s ModelPublished event was not found`);
  if (args.sha256.toLowerCase() !== sha256.toLowerCase()) {
    throw new WeightsAlreadyPublishedError(id, weightsHash, {
      details: `weightsHash ${weightsHash}; model ${id} is the file with sha256 ${args.sha256}, this one has ${sha256}`,
    });
  }
  return {
    modelId: id.toString(),
    contentCid: cidFromChain(args.content).toString(),
    keyringCid: cidFromChain(args.keyring).toString(),
    sha256,
    weightsHash,
    published: false,
  };
}

async function checkPublisher(chain: ChainClient, account: Address): Promise<void> {
  const roles = await rolesOf(chain, account);
  if (!roles.publisher) {
    throw new RefusedError(`account ${account} does not hold PUBLISHER_ROLE`, {
      hints: [
        "Publisher roles are granted by a governance vote (`neuroledger member propose-role`).",
      ],
    });
  }
  if (!roles.institutionActive) {
    throw new RefusedError(`account ${account} belongs to no active member institution`);
  }
}

async function* bytesOnce(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * The chain client on the registry of the card's task (a publish goes to its card's task). A
 * `--task` that names another task is refused rather than silently overridden.
 * @throws InvalidInputError when `--task` and the card's task differ, or the deployment does not
 *   run the card's task (naming the tasks it runs)
 */
async function connectForCard(connection: Connection, cardTask: string): Promise<ChainClient> {
  const flagTask = connection.task;
  if (flagTask !== undefined && flagTask !== cardTask) {
    throw new InvalidInputError(
      `--task ${flagTask} does not match the card's task ${cardTask}: a model is published to its card's task`,
      { hints: ["Drop --task: publish takes the registry of the card's task."] },
    );
  }
  return withTask(await connectChain({ ...connection, task: undefined }), cardTask);
}
