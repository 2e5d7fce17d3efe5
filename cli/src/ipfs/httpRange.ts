/**
 * Strict parsing of an HTTP `Range` request header (RFC 9110 section 14.1.2), for the gateway.
 * One byte range only: `bytes=first-last`, `bytes=first-` or `bytes=-suffixLength`.
 *
 * Hand-written rather than `range-parser` (express): that library merges and clamps several ranges
 * and treats a reversed range as unsatisfiable, where the gateway wants to refuse anything it does
 * not serve with a sentence that names it.
 */

/** Inclusive byte offsets into a representation of known length. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  | { kind: "none" }
  | { kind: "range"; range: ByteRange }
  /** Malformed, or a form the gateway does not serve (several ranges, another unit): 400. */
  | { kind: "invalid"; reason: string }
  /** Well formed but outside the representation: 416 with `Content-Range: bytes *\/length`. */
  | { kind: "unsatisfiable"; reason: string };

const DIGITS = /^[0-9]{1,15}$/;

/**
 * Reads a `Range` header against a representation of `length` bytes.
 *
 * @example
 * parseRange("bytes=0-99", 1000)  // { kind: "range", range: { start: 0, end: 99 } }
 * parseRange("bytes=2000-", 1000) // { kind: "unsatisfiable", ... }
 * parseRange("items=0-1", 1000)   // { kind: "invalid", ... }
 */
export function parseRange(header: string | string[] | undefined, length: number): RangeResult {
  if (header === undefined) return { kind: "none" };
  if (Array.isArray(header))
    return { kind: "invalid", reason: "send one Range header, not several" };
  const text = header.trim();
  const eq = text.indexOf("=");
  if (eq < 0)
    return { kind: "invalid", reason: `Range "${clip(text)}" is not of the form bytes=first-last` };
  const unit = text.slice(0, eq).trim().toLowerCase();
  if (unit !== "bytes")
    return { kind: "invalid", reason: `Range unit "${clip(unit)}" is not served; use bytes` };
  const spec = text.slice(eq + 1).trim();
  if (spec.includes(","))
    return {
      kind: "invalid",
      reason: "several byte ranges in one request are not served; ask for one",
    };
  const dash = spec.indexOf("-");
  if (dash < 0)
    return {
      kind: "invalid",
      reason: `Range "${clip(text)}" has no "-" between first and last byte`,
    };
  const firstText = spec.slice(0, dash).trim();
  const lastText = spec.slice(dash + 1).trim();
  // Suffix range: the last N bytes.
  if (firstText === "") return suffixRange(text, lastText, length);
  return firstLastRange(text, firstText, lastText, length);
}

/** `bytes=-N`: the last N bytes of `length`. */
function suffixRange(text: string, lastText: string, length: number): RangeResult {
  if (!DIGITS.test(lastText))
    return {
      kind: "invalid",
      reason: `Range suffix length "${clip(lastText)}" is not a number of bytes`,
    };
  const suffix = Number(lastText);
  if (suffix === 0 || length === 0)
    return {
      kind: "unsatisfiable",
      reason: `Range "${clip(text)}" selects no byte of the ${length}-byte representation`,
    };
  return { kind: "range", range: { start: Math.max(0, length - suffix), end: length - 1 } };
}

/** `bytes=first-` or `bytes=first-last` of `length` bytes. */
function firstLastRange(
  text: string,
  firstText: string,
  lastText: string,
  length: number,
): RangeResult {
  if (!DIGITS.test(firstText))
    return {
      kind: "invalid",
      reason: `Range first byte "${clip(firstText)}" is not a byte offset`,
    };
  const start = Number(firstText);
  let end = length - 1;
  if (lastText !== "") {
    if (!DIGITS.test(lastText))
      return {
        kind: "invalid",
        reason: `Range last byte "${clip(lastText)}" is not a byte offset`,
      };
    end = Number(lastText);
    if (end < start)
      return { kind: "invalid", reason: `Range "${clip(text)}" ends before it starts` };
  }
  if (start >= length)
    return {
      kind: "unsatisfiable",
      reason: `Range starts at byte ${start}, past the end of the ${length}-byte representation`,
    };
  return { kind: "range", range: { start, end: Math.min(end, length - 1) } };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
