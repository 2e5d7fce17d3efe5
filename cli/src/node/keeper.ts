import { cidToChain } from "@neuroledger/sdk/chain";
import {
  type AccountKey,
  type Keyring,
  rewrapKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import type { Address } from "viem";
import {
  accountKeyOf,
  ensureEncryptionKey,
  modelRecipients,
  registeredKeys,
  rolesOf,
} from "../chain/accounts.ts";
import { abis, type ChainClient } from "../chain/client.ts";
import { getModel } from "../chain/models.ts";
import { addPinned } from "../ipfs/api.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import { KEYRING_TIMEOUT_MS, readKeyring } from "../models/keyringCard.ts";
import { rotateContentKey } from "./rotation.ts";

export interface Keeper {
  /**
   * Checks every given kept model's keyring: re-wraps it when an authorized account lacks a wrap,
   * rotates the content key when it wraps for an account that may no longer download.
   */
  pass(modelIds: bigint[]): Promise<void>;
}

/**
 * The keeper: when an account becomes authorized (a member admitted, staff added, a patient
 * granted, a key registered), it wraps the content key of every kept model for it and puts the new
 * keyring on chain. When a keyring holds a wrap for an account that may no longer download
 * (revoked or expired grant, removed staff or institution), it rotates the content key instead
 * (rotation.ts): new ciphertext, new keyring without that account, `rotateContentKey` on chain. To avoid several nodes racing on one model, the node of the model's own
 * institution acts; if that institution is no longer active, any member node may.
 */
export async function createKeeper(params: {
  chain: ChainClient;
  node: IpfsNode;
  log: Logger;
}): Promise<Keeper> {
  const { chain, node, log } = params;
  const me = chain.account?.address as Address;
  const accountKey: AccountKey = await accountKeyOf(chain);
  if (await ensureEncryptionKey(chain, accountKey))
    log.info("registered the node account's encryption key", { account: me });

  // Keyrings that could not be used, by (current, previous) CIDs: skipped until either changes or
  // the retry time passes, so one broken model does not stall every pass for the fetch timeout.
  const unusable = new Map<string, number>();
  const RETRY_UNUSABLE_MS = 10 * 60_000;
  const RETRY_ROTATION_MS = 30_000;
  // Keyring CIDs that did not arrive in time: not waited for again until the retry time, so a
  // current keyring that points nowhere costs one timeout, not one per pass (readers fall back).
  const unreachable = new Map<string, number>();
  const fetchKeyring = async (cid: string) => {
    if ((unreachable.get(cid) ?? 0) > Date.now())
      throw new Error(`keyring ${cid} was unreachable on the last try`);
    try {
      return await readAll(node, cid);
    } catch (err) {
      unreachable.set(cid, Date.now() + RETRY_UNUSABLE_MS);
      throw err;
    }
  };

  return {
    async pass(modelIds) {
      if (modelIds.length === 0) return;
      const mine = await rolesOf(chain, me);
      if (!mine.institutionActive) return;
      const keys = await registeredKeys(chain);
      for (const id of modelIds) {
        const model = await getModel(chain, id).catch(() => undefined);
        if (!model) continue;
        if (model.institutionId !== mine.institutionId) {
          const owner = await rolesOf(chain, model.publisher);
          if (owner.institutionActive) continue; // the publishing institution's node keeps it
        }
        const wanted = await modelRecipients(chain, id, keys);
        // Only a keyring that passes the reader's checks and opens for this node is carried forward
        // (never an altered card); one that cannot be fetched or opened falls back to the previous.
        const pair = `${model.keyringCid}|${model.previousKeyringCid ?? ""}`;
        if ((unusable.get(pair) ?? 0) > Date.now()) continue;
        let keyring: Keyring;
        let contentKey: Uint8Array;
        try {
          const read = await readKeyring(fetchKeyring, model, {
            log,
            account: me,
            unlock: (k) => unwrapKeyring(k, me, accountKey),
          });
          keyring = read.keyring;
          contentKey = read.unlocked;
        } catch (err) {
          unusable.set(pair, Date.now() + RETRY_UNUSABLE_MS);
          log.warn("cannot re-wrap: no keyring of this model opens for this node's account", {
            modelId: id.toString(),
            error: (err as Error).name,
            reason: (err as Error).message.split("\n")[0] ?? "",
          });
          continue;
        }
        const missing = wanted.filter(
          (w) =>
            !keyring.wraps.some(
              (k) =>
                k.account === w.account.toLowerCase() && k.publicKey === w.publicKey.toLowerCase(),
            ),
        );
        // Wraps of accounts that may no longer download (a grant revoked or expired, staff
        // removed, an institution gone): dropping the wrap is not enough, since the account may
        // have unwrapped the key already, so the content is re-encrypted under a new key.
        const stale = keyring.wraps.filter(
          (k) => !wanted.some((w) => w.account.toLowerCase() === k.account),
        );
        if (stale.length > 0) {
          try {
            await rotateContentKey({
              chain,
              node,
              log,
              model,
              keyring,
              contentKey,
              recipients: wanted,
            });
          } catch (err) {
            // Retried soon, not at once: the nodes already refuse the removed account meanwhile
            // (they check the chain), and one failing model must not stall the pass.
            unusable.set(pair, Date.now() + RETRY_ROTATION_MS);
            log.warn("content key rotation failed; will retry", {
              modelId: id.toString(),
              reason: (err as Error).message.split("\n")[0] ?? "",
            });
            continue;
          }
          log.info("content key rotated", {
            modelId: id.toString(),
            dropped: stale.map((k) => k.account).join(","),
          });
          continue;
        }
        if (missing.length === 0) continue;
        const next = await rewrapKeyring(keyring, contentKey, wanted);
        const cid = await addPinned(node, [new TextEncoder().encode(serializeKeyring(next))]);
        try {
          await chain.write({
            address: chain.registry,
            abi: abis.registry,
            functionName: "updateKeyring",
            args: [id, cidToChain(cid)],
          });
        } catch (err) {
          // e.g. RegistryNotKeyringUpdater: only the model's institution (or, once it left, any
          // member) may; one refused model must not stop the pass for the others.
          unusable.set(pair, Date.now() + RETRY_UNUSABLE_MS);
          log.warn("keyring update refused", {
            modelId: id.toString(),
            reason: (err as Error).message.split("\n")[0] ?? "",
          });
          continue;
        }
        log.info("keyring re-wrapped", {
          modelId: id.toString(),
          added: missing.map((m) => m.account).join(","),
          keyring: cid.toString(),
        });
      }
    },
  };
}

async function readAll(node: IpfsNode, cid: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of node.fs.cat(CID.parse(cid), {
    signal: AbortSignal.timeout(KEYRING_TIMEOUT_MS),
  }))
    parts.push(part);
  return Buffer.concat(parts);
}
