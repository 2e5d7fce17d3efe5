import { cidToChain } from "@neuroledger/sdk/chain";
import {
  type AccountKey,
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
import { readKeyring } from "../models/keyringCard.ts";
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
        // Only a keyring that passes the reader's checks is carried forward (never an altered card);
        // a current keyring that cannot be fetched falls back to the previous one.
        const { keyring } = await readKeyring((cid) => readAll(node, cid), model, { log });
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
        if (missing.length === 0 && stale.length === 0) continue;
        let contentKey: Uint8Array;
        try {
          contentKey = await unwrapKeyring(keyring, me, accountKey);
        } catch (err) {
          log.warn("cannot re-wrap: this node's account has no wrap", {
            modelId: id.toString(),
            error: (err as Error).name,
          });
          continue;
        }
        if (stale.length > 0) {
          await rotateContentKey({
            chain,
            node,
            log,
            model,
            keyring,
            contentKey,
            recipients: wanted,
          });
          log.info("content key rotated", {
            modelId: id.toString(),
            dropped: stale.map((k) => k.account).join(","),
          });
          continue;
        }
        const next = await rewrapKeyring(keyring, contentKey, wanted);
        const cid = await addPinned(node, [new TextEncoder().encode(serializeKeyring(next))]);
        await chain.write({
          address: chain.registry,
          abi: abis.registry,
          functionName: "updateKeyring",
          args: [id, cidToChain(cid)],
        });
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
  for await (const part of node.fs.cat(CID.parse(cid), { signal: AbortSignal.timeout(30_000) }))
    parts.push(part);
  return Buffer.concat(parts);
}
