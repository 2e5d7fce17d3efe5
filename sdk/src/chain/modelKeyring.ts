import type { CID } from "multiformats/cid";
import type { ModelCard } from "../card/schema.ts";
import { cardFromKeyring, isZeroHash, type Keyring, parseKeyring } from "../crypto/keyring.ts";
import {
  BaseError,
  InvalidKeyringError,
  KeyringUnavailableError,
  NoWrapForAccountError,
} from "../errors.ts";
import { cidFromChain } from "./cid.ts";

type ChainCidLike = { digest: string; codec: number | bigint };

/**
 * What a reader needs of a registry `Model` record (`getModel`): a viem-decoded record fits.
 * `cardHash` and `previousKeyring` are absent from registries older than the v2 upgrade.
 */
export type KeyringModel = {
  id?: bigint;
  sha256: string;
  content: ChainCidLike;
  keyring: ChainCidLike;
  cardHash?: string;
  previousKeyring?: ChainCidLike;
};

/** A keyring that passed every check against the chain, and its card. */
export type CheckedKeyring = {
  keyring: Keyring;
  /** The card it carries; undefined only for a pre-v2 model whose keyring has none. */
  card: ModelCard | undefined;
  /**
   * True when the card hashes to the card hash bound on chain at publish. False for models
   * published before card hashes existed: their card is only checked to name the on-chain sha256,
   * and readers must say it is unverified.
   */
  cardVerified: boolean;
};

/**
 * Checks a parsed keyring against its model's on-chain record: its `content` (when it names one)
 * must be the on-chain content CID, its card must name the on-chain sha256, and must hash to the
 * on-chain card hash (models published since card hashes; older ones carry 0 and their card is
 * reported unverified). Throws {@link InvalidKeyringError} or `KeyringCardError`.
 *
 * @example
 * const { card, cardVerified } = checkKeyringForModel(parseKeyring(bytes), model);
 */
export function checkKeyringForModel(keyring: Keyring, model: KeyringModel): CheckedKeyring {
  if (keyring.content !== undefined) {
    const onChain = cidFromChain(model.content).toString();
    if (keyring.content !== onChain) {
      throw new InvalidKeyringError(
        `The keyring opens content ${keyring.content}, not the model's on-chain content ${onChain}.`,
        {
          hints: ["It belongs to another model, or to this model's content before a key rotation."],
        },
      );
    }
  }
  const bound = model.cardHash !== undefined && !isZeroHash(model.cardHash);
  if (!bound && keyring.card === undefined)
    return { keyring, card: undefined, cardVerified: false };
  const card = cardFromKeyring(keyring, model.sha256, bound ? model.cardHash : undefined);
  return { keyring, card, cardVerified: bound };
}

/** A keyring refused because it does not match the chain (as opposed to one that is unreachable). */
function isCheckFailure(error: Error): boolean {
  return error.name === "KeyringCardError" || error.name === "InvalidKeyringError";
}

/** The keyrings a reader may use, newest first: the current one, then the one it replaced. */
export function keyringCandidates(model: KeyringModel): CID[] {
  const candidates = [cidFromChain(model.keyring)];
  const previous = model.previousKeyring;
  if (previous && !isZeroHash(previous.digest) && Number(previous.codec) !== 0) {
    candidates.push(cidFromChain(previous));
  }
  return candidates;
}

export type ReadModelKeyringParameters<T = undefined> = {
  model: KeyringModel;
  /** Fetches a keyring's bytes (with its own timeout and size limit); a failure is a fallback. */
  fetchBytes: (cid: CID) => Promise<Uint8Array>;
  /** When set, a keyring without a wrap for this account is passed over for an older one. */
  account?: string;
  /** Told about each keyring that was passed over, and why (for a warning or a log line). */
  onRejected?: (cid: CID, error: Error) => void;
  /**
   * Opens a checked keyring (e.g. unwraps the account's content key); when it throws, the keyring
   * is passed over like one that failed a check, so a keyring whose wrap was corrupted does not
   * lock out an account the previous keyring serves.
   */
  unlock?: (keyring: Keyring) => Promise<T>;
};

export type ReadModelKeyringReturnType<T = undefined> = CheckedKeyring & {
  /** The CID of the keyring used. */
  cid: CID;
  /** True when the current keyring was passed over for the previous one. */
  fallback: boolean;
  /** What `unlock` returned (undefined without `unlock`). */
  unlocked: T;
};

/**
 * Reads a model's keyring the way every reader (cli, web, keeper) must: the current keyring from
 * the chain, checked with {@link checkKeyringForModel}; if it cannot be fetched, does not parse,
 * fails a check, or (with `account`) holds no wrap for the account, the previous keyring the
 * registry keeps is tried the same way. So a keyring CID that points nowhere, or an altered card,
 * never makes a model unreadable or runs a card the publisher did not publish.
 *
 * Throws the current keyring's own error when it is the only candidate, when it holds no wrap for
 * `account` ({@link NoWrapForAccountError}), or when it did not open (`unlock`) and no keyring
 * failed a check; otherwise {@link KeyringUnavailableError} naming every keyring tried and why,
 * with the current keyring's error as `cause`.
 *
 * @example
 * const { keyring, card, cardVerified } = await readModelKeyring({
 *   model, account, fetchBytes: (cid) => reader.bytes(cid, { maxBytes: 1 << 20 }),
 * });
 */
export async function readModelKeyring<T = undefined>(
  params: ReadModelKeyringParameters<T>,
): Promise<ReadModelKeyringReturnType<T>> {
  const { model, fetchBytes, account, onRejected, unlock } = params;
  const candidates = keyringCandidates(model);
  const failures: { cid: CID; error: Error }[] = [];
  for (const [index, cid] of candidates.entries()) {
    try {
      const checked = checkKeyringForModel(parseKeyring(await fetchBytes(cid)), model);
      const lower = account?.toLowerCase();
      if (lower !== undefined && !checked.keyring.wraps.some((w) => w.account === lower)) {
        throw new NoWrapForAccountError(account as string);
      }
      const unlocked = (unlock ? await unlock(checked.keyring) : undefined) as T;
      return { ...checked, cid, fallback: index > 0, unlocked };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      failures.push({ cid, error });
      onRejected?.(cid, error);
    }
  }
  throw keyringFailure(model, failures);
}

/** The error {@link readModelKeyring} throws after every candidate in `failures` failed. */
function keyringFailure(
  model: ReadModelKeyringParameters<unknown>["model"],
  failures: { cid: CID; error: Error }[],
): Error {
  // The current keyring speaks for the wraps: its own refusal is the answer when it is the only
  // one, when it lacks the account's wrap, or when it (and every other) merely failed to open.
  const first = (failures[0] as { error: Error }).error;
  if (failures.length === 1 || first instanceof NoWrapForAccountError) return first;
  if (first.name === "DecryptionFailedError" && !failures.some((f) => isCheckFailure(f.error)))
    return first;
  const id = model.id === undefined ? "" : ` ${model.id}`;
  return new KeyringUnavailableError(`No keyring of model${id} could be fetched and verified.`, {
    details: failures
      .map(
        (f) => `${f.cid}: ${f.error instanceof BaseError ? f.error.shortMessage : f.error.message}`,
      )
      .join("; "),
    hints: ["Check that an institution node holding the keyring is reachable."],
    cause: failures[0]?.error,
  });
}
