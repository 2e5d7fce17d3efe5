/**
 * Structured logs on stderr (stdout is kept for results, e.g. `--json`). One line per event:
 * `time level msg key=value ...`, or JSON lines when NEUROLEDGER_LOG=json.
 */
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function createLogger(
  base: LogFields = {},
  sink: (line: string) => void = writeStderr,
): Logger {
  const json = process.env.NEUROLEDGER_LOG === "json";
  const emit = (level: string, msg: string, fields: LogFields = {}) => {
    const all = { ...base, ...fields };
    if (json) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }));
      return;
    }
    const kv = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : v}`)
      .join(" ");
    sink(
      `${new Date().toISOString().slice(11, 23)} ${level.padEnd(5)} ${msg}${kv ? ` ${kv}` : ""}`,
    );
  };
  return {
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
