import type { AppConfig } from "./config.ts";
import { indexerToken } from "./indexer-session.ts";

/** The indexer refused: no session (401) or an account without a role (403). */
export class IndexerAccessError extends Error {
  override name = "IndexerAccessError";
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** The indexer's audit API through the same-origin proxy; null when the stack has no indexer. */
export async function auditGet<T>(
  fetcher: typeof fetch,
  config: AppConfig,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<T | null> {
  if (!config.indexerUrl) return null;
  const params = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const token = indexerToken(config);
  const response = await fetcher(
    `${config.indexerUrl}/audit${path}${params.size ? `?${params}` : ""}`,
    {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    },
  );
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    if (response.status === 401 || response.status === 403) {
      throw new IndexerAccessError(
        response.status,
        body?.error ?? "The audit history needs a signed-in member, staff or auditor account.",
      );
    }
    throw new Error(
      `The indexer answered ${response.status}${body?.error ? `: ${body.error}` : ""}.`,
    );
  }
  return (await response.json()) as T;
}

// The audit API's rows, as the indexer declares them (one definition; web cannot drift from it).
export type {
  DownloadRow,
  DownloadsPage,
  ModelRow as IndexedModel,
  ModelSummary,
  ModelsPage,
} from "@neuroledger/indexer/audit-rows";
