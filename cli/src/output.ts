/**
 * Results go to stdout: one JSON line with `--json` (always the last line, for scripts), otherwise
 * `key: value` lines for people. Logs and progress bars go to stderr.
 */
export function printResult(result: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, jsonBigInt)}\n`);
    return;
  }
  process.stdout.write(`${human(result, "")}\n`);
}

function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function human(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) return value.join(", ");
    return value.map((v) => `\n${indent}- ${human(v, `${indent}  `).trimStart()}`).join("");
  }
  if (value && typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => {
        const nested =
          v &&
          typeof v === "object" &&
          !(Array.isArray(v) && v.every((x) => typeof x !== "object"));
        return nested
          ? `${indent}${k}:${human(v, `${indent}  `).replace(/^(?!\n)/, "\n")}`
          : `${indent}${k}: ${human(v, indent)}`;
      })
      .join("\n");
  }
  return String(value);
}
