import type { CID } from "multiformats/cid";
import { IpfsFetchError } from "../errors.ts";

export type FetchPublicKeyringParameters = {
  /** The institution node's gateway, e.g. `http://127.0.0.1:5101`. */
  gateway: string;
  cid: CID | string;
  timeoutMs?: number;
  /** Refuse answers larger than this (default 1 MiB). */
  maxBytes?: number;
};

/**
 * The public part of a kept model's keyring (`GET /cards/<keyringCid>`: card, content CID and key
 * commitment, with `wraps` emptied), for showing a model card to anyone: institution nodes serve
 * whole keyrings only to accounts that may download the model. The bytes come from the node, not
 * from a hash-checked block: check them with `readModelKeyring`/`checkKeyringForModel` against
 * the chain (card hash, sha256, content CID) before showing anything.
 *
 * @example
 * const { card } = await readModelKeyring({ model, fetchBytes: (cid) => fetchPublicKeyring({ gateway, cid }) });
 */
export async function fetchPublicKeyring(
  parameters: FetchPublicKeyringParameters,
): Promise<Uint8Array> {
  const { gateway, cid, timeoutMs = 15_000, maxBytes = 1024 * 1024 } = parameters;
  const url = `${gateway.replace(/\/$/, "")}/cards/${String(cid)}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new IpfsFetchError(`Could not fetch the card of keyring ${String(cid)}.`, { cause });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    throw new IpfsFetchError(
      `The institution node answered ${res.status} for the card of keyring ${String(cid)}.`,
      { details: new TextDecoder().decode(bytes.subarray(0, 300)) },
    );
  }
  if (bytes.length > maxBytes)
    throw new IpfsFetchError(
      `The card of keyring ${String(cid)} is larger than ${maxBytes} bytes.`,
    );
  return bytes;
}
