/** The request body was larger than the route accepts. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
  }
}

/**
 * Reads a request body as UTF-8 text, at most `limitBytes` of it: a declared `content-length`
 * above the limit is refused before reading, and a body streamed past it is cut off there (a
 * client cannot make the proxy buffer more than the limit).
 * @throws {BodyTooLargeError}
 */
export async function readBodyCapped(request: Request, limitBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      // Not cancel(): that destroys the socket before the 413 goes out. The server discards the
      // rest of the body once the answer is sent, without buffering it.
      reader.releaseLock();
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}
