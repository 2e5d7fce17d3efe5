/**
 * `fetch` to a configured upstream (chain node, indexer): no redirects followed, bounded in time,
 * and one retry when the connection was reset before an answer came. A kept-alive connection the
 * upstream has just closed fails that way (ECONNRESET), and the request never reached it.
 */
export async function fetchUpstream(url: URL | string, init: RequestInit): Promise<Response> {
  const attempt = () =>
    fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(60_000) });
  try {
    return await attempt();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== "ECONNRESET" && code !== "UND_ERR_SOCKET" && code !== "EPIPE") throw error;
    return attempt();
  }
}
