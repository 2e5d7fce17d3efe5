import { cidToChain } from "@neuroledger/sdk/chain";
import {
  type AccountKey,
  type Keyring,
  rewrapKeyring,
  serializeKeyring,
  unwrapKeyring,
} from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import type { Address, Hex } from "viem";
import {
  accountKeyOf,
  ensureEncryptionKey,
  modelRecipients,
  registeredKeys,
  rolesOf,
} from "../chain/accounts.ts";
import { abis, type ChainClient } from "../chain/client.ts";
import { getModel, type OnChainModel } from "../chain/models.ts";
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
  const { chain, log } = params;
  const me = chain.account?.address as Address;
  const accountKey: AccountKey = await accountKeyOf(chain);
  if (await ensureEncryptionKey(chain, accountKey))
    log.info("registered the node account's encryption key in every task's registry", {
      account: me,
      tasks: chain.tasks.length,
    });
  const keeper = new NodeKeeper(params, me, accountKey);
  return { pass: (modelIds) => keeper.pass(modelIds) };
}

const RETRY_UNUSABLE_MS = 10 * 60_000;
const RETRY_ROTATION_MS = 30_000;

type Recipient = { account: Address; publicKey: Hex };

/** The keeper's state and steps; {@link createKeeper} is its public face. */
class NodeKeeper {
  private readonly chain: ChainClient;
  private readonly node: IpfsNode;
  private readonly log: Logger;
  private readonly me: Address;
  private readonly accountKey: AccountKey;
  // Keyrings that could not be used, by (current, previous) CIDs: skipped until either changes or
  // the retry time passes, so one broken model does not stall every pass for the fetch timeout.
  private readonly unusable = new Map<string, number>();
  // Keyring CIDs that did not arrive in time: not waited for again until the retry time, so a
  // current keyring that points nowhere costs one timeout, not one per pass (readers fall back).
  private readonly unreachable = new Map<string, number>();

  constructor(
    params: { chain: ChainClient; node: IpfsNode; log: Logger },
    me: Address,
    accountKey: AccountKey,
  ) {
    this.chain = params.chain;
    this.node = params.node;
    this.log = params.log;
    this.me = me;
    this.accountKey = accountKey;
  }

  async pass(modelIds: bigint[]) {
    if (modelIds.length === 0) return;
    const mine = await rolesOf(this.chain, this.me);
    if (!mine.institutionActive) return;
    const keys = await registeredKeys(this.chain);
    for (const id of modelIds) await this.keep(id, mine.institutionId, keys);
  }

  /** One model: rotate its content key when a wrap is stale, else add the missing wraps. */
  private async keep(id: bigint, myInstitution: bigint, keys: Map<Address, Hex>) {
    const model = await getModel(this.chain, id).catch(() => undefined);
    if (!model) return;
    if (model.institutionId !== myInstitution) {
      const owner = await rolesOf(this.chain, model.publisher);
      if (owner.institutionActive) return; // the publishing institution's node keeps it
    }
    const wanted = await modelRecipients(this.chain, id, keys);
    // Only a keyring that passes the reader's checks and opens for this node is carried forward
    // (never an altered card); one that cannot be fetched or opened falls back to the previous.
    const pair = `${model.keyringCid}|${model.previousKeyringCid ?? ""}`;
    if ((this.unusable.get(pair) ?? 0) > Date.now()) return;
    const opened = await this.openKeyring(model, pair);
    if (!opened) return;
    const { keyring, contentKey } = opened;
    const missing = wanted.filter(
      (w) =>
        !keyring.wraps.some(
          (k) => k.account === w.account.toLowerCase() && k.publicKey === w.publicKey.toLowerCase(),
        ),
    );
    // Wraps of accounts that may no longer download (a grant revoked or expired, staff
    // removed, an institution gone): dropping the wrap is not enough, since the account may
    // have unwrapped the key already, so the content is re-encrypted under a new key.
    const stale = keyring.wraps.filter(
      (k) => !wanted.some((w) => w.account.toLowerCase() === k.account),
    );
    if (stale.length > 0) {
      await this.rotate(model, keyring, contentKey, wanted, stale, pair);
      return;
    }
    if (missing.length === 0) return;
    await this.rewrap(id, keyring, contentKey, wanted, missing, pair);
  }

  /** The model's keyring (current, else previous) opened for this node; undefined when none. */
  private async openKeyring(
    model: OnChainModel,
    pair: string,
  ): Promise<{ keyring: Keyring; contentKey: Uint8Array } | undefined> {
    try {
      const read = await readKeyring((cid) => this.fetchKeyring(cid), model, {
        log: this.log,
        account: this.me,
        unlock: (k) => unwrapKeyring(k, this.me, this.accountKey),
      });
      return { keyring: read.keyring, contentKey: read.unlocked };
    } catch (err) {
      this.unusable.set(pair, Date.now() + RETRY_UNUSABLE_MS);
      this.log.warn("cannot re-wrap: no keyring of this model opens for this node's account", {
        modelId: model.id.toString(),
        error: (err as Error).name,
        reason: (err as Error).message.split("\n")[0] ?? "",
      });
      return undefined;
    }
  }

  private async fetchKeyring(cid: string) {
    if ((this.unreachable.get(cid) ?? 0) > Date.now())
      throw new Error(`keyring ${cid} was unreachable on the last try`);
    try {
      return await readAll(this.node, cid);
    } catch (err) {
      this.unreachable.set(cid, Date.now() + RETRY_UNUSABLE_MS);
      throw err;
    }
  }

  /** New content key, ciphertext and keyring without the `stale` wraps (rotation.ts). */
  private async rotate(
    model: OnChainModel,
    keyring: Keyring,
    contentKey: Uint8Array,
    wanted: Recipient[],
    stale: Keyring["wraps"],
    pair: string,
  ) {
    const { chain, node, log } = this;
    try {
      await rotateContentKey({ chain, node, log, model, keyring, contentKey, recipients: wanted });
    } catch (err) {
      // Retried soon, not at once: the nodes already refuse the removed account meanwhile
      // (they check the chain), and one failing model must not stall the pass.
      this.unusable.set(pair, Date.now() + RETRY_ROTATION_MS);
      log.warn("content key rotation failed; will retry", {
        modelId: model.id.toString(),
        reason: (err as Error).message.split("\n")[0] ?? "",
      });
      return;
    }
    log.info("content key rotated", {
      modelId: model.id.toString(),
      dropped: stale.map((k) => k.account).join(","),
    });
  }

  /** A keyring with wraps for every wanted account, pinned and put on chain (`updateKeyring`). */
  private async rewrap(
    id: bigint,
    keyring: Keyring,
    contentKey: Uint8Array,
    wanted: Recipient[],
    missing: Recipient[],
    pair: string,
  ) {
    const next = await rewrapKeyring(keyring, contentKey, wanted);
    const cid = await addPinned(this.node, [new TextEncoder().encode(serializeKeyring(next))]);
    try {
      await this.chain.write({
        address: this.chain.registry,
        abi: abis.registry,
        functionName: "updateKeyring",
        args: [id, cidToChain(cid)],
      });
    } catch (err) {
      // e.g. RegistryNotKeyringUpdater: only the model's institution (or, once it left, any
      // member) may; one refused model must not stop the pass for the others.
      this.unusable.set(pair, Date.now() + RETRY_UNUSABLE_MS);
      this.log.warn("keyring update refused", {
        modelId: id.toString(),
        reason: (err as Error).message.split("\n")[0] ?? "",
      });
      return;
    }
    this.log.info("keyring re-wrapped", {
      modelId: id.toString(),
      added: missing.map((m) => m.account).join(","),
      keyring: cid.toString(),
    });
  }
}

async function readAll(node: IpfsNode, cid: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of node.fs.cat(CID.parse(cid), {
    signal: AbortSignal.timeout(KEYRING_TIMEOUT_MS),
  }))
    parts.push(part);
  return Buffer.concat(parts);
}
