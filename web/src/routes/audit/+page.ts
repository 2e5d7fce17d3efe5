import {
  auditGet,
  type DownloadRow,
  type DownloadsPage,
  IndexerAccessError,
} from "#lib/indexer.ts";

/**
 * Filters live in the URL: a filtered view can be bookmarked and shared. `task` (the indexer's
 * `?task=`, docs/interfaces.md section 14) is offered when the consortium runs several tasks.
 */
export const FILTERS = ["task", "model", "institution", "account", "kind", "from", "to"] as const;

export const load = async ({ url, parent, fetch, depends }) => {
  depends("indexer:audit");
  const { config } = await parent();
  const filters = Object.fromEntries(
    FILTERS.map((f) => [f, url.searchParams.get(f) ?? ""]),
  ) as Record<(typeof FILTERS)[number], string>;
  const page = url.searchParams.get("page") ?? "1";
  const pageSize = url.searchParams.get("pageSize") ?? "25";
  try {
    const [list, forChart] = await Promise.all([
      auditGet<DownloadsPage>(fetch, config, "/downloads", { ...filters, page, pageSize }),
      // The chart spans every matching download (up to the API's page limit), not just this page.
      auditGet<DownloadsPage>(fetch, config, "/downloads", { ...filters, pageSize: "1000" }),
    ]);
    const chartRows = forChart?.rows ?? [];
    return {
      filters,
      list,
      chartRows,
      chartTruncated: (forChart?.total ?? 0) > 1000,
      error: null as string | null,
      needsSignIn: false,
    };
  } catch (cause) {
    const error = cause instanceof Error ? cause.message : String(cause);
    return {
      filters,
      list: null,
      chartRows: [] as DownloadRow[],
      chartTruncated: false,
      error,
      needsSignIn: cause instanceof IndexerAccessError,
    };
  }
};
