/** Lower-case hex SHA-256 of some bytes (WebCrypto). */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Accepts `0x`-prefixed or bare hex, any case. */
export const sameHash = (a: string, b: string) =>
  a.replace(/^0x/, "").toLowerCase() === b.replace(/^0x/, "").toLowerCase();
