// Small zod pieces every shared file schema uses (browser-safe).
import { z } from "zod";

type Address = `0x${string}`;
type Hex = `0x${string}`;

/** An 0x-prefixed 20-byte address (any letter case; not checksum-checked). */
export const addressSchema = z.custom<Address>(
  (value) => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value),
  "not an address",
);

/** An 0x-prefixed 32-byte hex string (ids, hashes, keys). */
export const bytes32Schema = z.custom<Hex>(
  (value) => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value),
  "not 32 bytes of hex",
);

/** A whole number >= 0 that JSON carries exactly (block numbers, seconds, ids). */
export const countSchema = z
  .number({ error: "not a non-negative integer" })
  .int("not a non-negative integer")
  .min(0, "not a non-negative integer")
  .max(Number.MAX_SAFE_INTEGER, "not a non-negative integer");

/** Every problem of a failed parse on one line: `(<source>: <path>): <problem>; ...`. */
export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return `(${source}${path ? `: ${path}` : ""}): ${issue.message}`;
    })
    .join("; ");
}
