import { type ModelCard, parseModelCard } from "@neuroledger/sdk/card";
import { sameHash, sha256Hex } from "./sha256.ts";

/**
 * Decrypted models kept in this browser (IndexedDB), so a clinician downloads once. Every read
 * re-hashes the bytes and compares them with the sha256 recorded when the model was verified
 * against the chain: a cache that was tampered with is dropped, never run.
 */
export interface CachedModel {
  /** sha256 of the plaintext ONNX (hex), as on chain. */
  sha256: string;
  /** Registry model id, when it came from the chain. */
  modelId: string | null;
  card: ModelCard;
  bytes: ArrayBuffer;
  cachedAt: number;
}

export type CachedModelInfo = Omit<CachedModel, "bytes"> & { size: number };

/** A cached model is missing, or its bytes no longer hash to the sha256 it was verified with. */
export class CacheIntegrityError extends Error {
  override name = "CacheIntegrityError";
}

const DB = "neuroledger-models";
const STORE = "models";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "sha256" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/**
 * Caches a model verified against the chain, keyed by its sha256 (lower-case hex).
 *
 * @throws CacheIntegrityError when the bytes do not hash to `model.sha256` (nothing is stored).
 */
export async function putModel(model: Omit<CachedModel, "cachedAt">): Promise<void> {
  const actual = await sha256Hex(model.bytes);
  if (!sameHash(actual, model.sha256)) {
    throw new CacheIntegrityError(
      `Refusing to cache: the model hashes to ${actual}, not ${model.sha256}.`,
    );
  }
  await run("readwrite", (store) => store.put({ ...model, sha256: actual, cachedAt: Date.now() }));
}

/** The cached models without their bytes (`size` in bytes), newest first. */
export async function listModels(): Promise<CachedModelInfo[]> {
  const all = await run<CachedModel[]>("readonly", (store) => store.getAll());
  return all
    .map(({ bytes, ...info }) => ({ ...info, size: bytes.byteLength }))
    .sort((a, b) => b.cachedAt - a.cachedAt);
}

/** The cached model, re-verified; a copy that no longer matches its hash is deleted and refused. */
export async function loadModel(sha256: string): Promise<CachedModel> {
  const key = sha256.replace(/^0x/, "").toLowerCase();
  const model = await run<CachedModel | undefined>("readonly", (store) => store.get(key));
  if (!model) throw new CacheIntegrityError(`No model ${key} in this browser's cache.`);
  const actual = await sha256Hex(model.bytes);
  if (!sameHash(actual, model.sha256)) {
    await deleteModel(key);
    throw new CacheIntegrityError(
      `The cached copy of ${model.card.name} ${model.card.version} no longer matches its sha256 and was deleted: download it again.`,
    );
  }
  return { ...model, card: parseModelCard(model.card) };
}

/** Removes a cached model (`sha256` with or without 0x, any case); no-op when absent. */
export async function deleteModel(sha256: string): Promise<void> {
  await run("readwrite", (store) => store.delete(sha256.replace(/^0x/, "").toLowerCase()));
}
