/** Display helpers: one place for how numbers, times and addresses look. */

/** `0x1234…abcd`: the first 6 and last 4 characters of an address (or any hex string). */
export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** A fraction in [0, 1] as a percentage with one decimal. */
export const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;

/** Basis points (on-chain metrics) as a percentage. */
export const basisPoints = (bp: number | bigint) => percent(Number(bp) / 10_000);

/**
 * How long ago a unix time was, rounded down to its largest unit: `42 s ago`, `3 min ago`,
 * `5 h ago`, `2 d ago`; a time in the future reads `0 s ago`.
 *
 * @param seconds unix time in seconds (chain timestamps are bigint).
 * @param now unix time in seconds (default: the clock).
 */
export function age(seconds: number | bigint, now = Date.now() / 1000): string {
  const s = Math.max(0, Math.round(now - Number(seconds)));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A unix time in seconds as `YYYY-MM-DD HH:MM:SS UTC`. */
export const dateTime = (seconds: number | bigint) =>
  `${new Date(Number(seconds) * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;

/** A size in bytes as `B`, `KiB` or `MiB` (one decimal above 1 KiB). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
