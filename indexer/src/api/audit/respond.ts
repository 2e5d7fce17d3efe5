import type { Context } from "hono";
import { type CsvValue, toCsv } from "./csv.ts";

/** CSV when asked by `?format=csv` or by an Accept header that prefers text/csv over JSON. */
export function wantsCsv(c: Context, format: "json" | "csv" | undefined): boolean {
  if (format) return format === "csv";
  const accept = c.req.header("accept") ?? "";
  const csvAt = accept.indexOf("text/csv");
  if (csvAt < 0) return false;
  const jsonAt = accept.indexOf("application/json");
  return jsonAt < 0 || csvAt < jsonAt;
}

export function csvResponse<Row extends Record<string, CsvValue>>(
  c: Context,
  filename: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
  headers: Record<string, string> = {},
) {
  return c.body(toCsv(columns, rows), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename}"`,
    ...headers,
  });
}

/** JSON with bigints as decimal strings (JSON has no 64-bit integers). */
export function jsonResponse(c: Context, body: unknown, status: 200 | 404 = 200) {
  return c.body(
    JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    status,
    { "Content-Type": "application/json; charset=utf-8" },
  );
}

export const isoTime = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString();
export const isoDay = (day: bigint | number) =>
  new Date(Number(day) * 86_400_000).toISOString().slice(0, 10);
