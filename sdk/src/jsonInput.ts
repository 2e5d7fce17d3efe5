/**
 * A JSON document given as text, as its UTF-8 bytes, or already parsed: returns the value.
 * `invalid` builds the error thrown when text or bytes are not JSON.
 */
export function jsonValue(
  input: string | Uint8Array | unknown,
  invalid: (cause: unknown) => Error,
): unknown {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) return input;
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw invalid(cause);
  }
}
