// The audit rows web reads are the indexer's own declarations. These are type tests: they fail in
// `pnpm -C web check` (svelte-check, the first step of `pnpm -C web test`), where web typed a
// download's blockNumber as a string while the indexer sends a number.
import type { DownloadRecord, Json } from "@neuroledger/indexer/audit-rows";
import { describe, expectTypeOf, it } from "vitest";
import type { DownloadRow, DownloadsPage } from "./indexer.ts";

describe("audit row types", () => {
  it("types a download's block number as the number the indexer sends", () => {
    expectTypeOf<DownloadRow["blockNumber"]>().toEqualTypeOf<number>();
    expectTypeOf<DownloadRow>().toEqualTypeOf<Json<DownloadRecord>>();
    expectTypeOf<DownloadsPage["rows"][number]>().toEqualTypeOf<DownloadRow>();
  });
});
