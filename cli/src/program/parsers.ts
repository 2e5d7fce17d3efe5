// Commander argument parsers shared by the command declarations. Each throws commander's
// InvalidArgumentError, which commander reports as a usage error (exit 2) naming the flag.
import { InvalidArgumentError } from "commander";

/** A TCP port, 0 to 65535 (0: any free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("not a port number");
  return n;
}

/** A whole number > 0 (milliseconds, ids, counts). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("not a positive integer");
  return n;
}

/** A registry id (model, institution, proposal): decimal digits only, as a bigint. */
export function parseId(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("not a numeric id");
  return BigInt(value);
}

/** Collects a repeatable flag's values in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
