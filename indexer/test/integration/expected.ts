import { toCsv } from "../../src/api/audit/csv.ts";
import type { ExpectedDownload, Ledger } from "../helpers/scenario.ts";

export const isoTime = (s: number) => new Date(s * 1000).toISOString();
export const isoDay = (s: number) => isoTime(s).slice(0, 10);

const names: Record<string, string> = {
  "1": "Aurora University Hospital",
  "2": "Borealis Medical Center",
  "3": "Cedar Clinic",
  "4": "Delta Hospital",
};

/** A download as the audit API's JSON rows show it. */
export function apiRow(d: ExpectedDownload) {
  return {
    blockNumber: d.blockNumber,
    logIndex: d.logIndex,
    txHash: d.txHash,
    time: isoTime(d.timestamp),
    timestamp: d.timestamp,
    task: d.task,
    registry: d.registry,
    modelId: String(d.modelId),
    account: d.account.toLowerCase(),
    institutionId: String(d.institutionId),
    institutionName: names[String(d.institutionId)] ?? null,
    kind: d.kind,
  };
}

export function downloadsCsv(rows: ExpectedDownload[]) {
  return toCsv(
    [
      "blockNumber",
      "logIndex",
      "txHash",
      "time",
      "timestamp",
      "modelId",
      "account",
      "institutionId",
      "institutionName",
      "kind",
      "task",
      "registry",
    ],
    rows.map(apiRow),
  );
}

export function byDay(rows: ExpectedDownload[]) {
  const days = new Map<
    string,
    { day: string; downloads: number; member: number; staff: number; patient: number }
  >();
  for (const d of rows) {
    const day = isoDay(d.timestamp);
    const e = days.get(day) ?? { day, downloads: 0, member: 0, staff: 0, patient: 0 };
    e.downloads++;
    e[d.kind]++;
    days.set(day, e);
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

export function ordered(ledger: Ledger) {
  return [...ledger.downloads].sort(
    (a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex,
  );
}
