import { createServer } from "node:http";
import { freePort } from "../../lib/service/index.ts";

/**
 * A JSON-RPC pass-through to a real node that answers the calls backfill makes (logs and blocks)
 * one at a time, each `delayMs` late, so that a test can stop the indexer in the middle of a
 * backfill.
 */
export async function startSlowRpc(target: string, delayMs: number) {
  const slow = new Set(["eth_getLogs", "eth_getBlockByNumber", "eth_getBlockByHash"]);
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
      const methods = Array.isArray(parsed) ? parsed.map((p) => p.method) : [parsed.method];
      if (methods.some((m) => m && slow.has(m))) {
        const turn = queue.then(() => new Promise((r) => setTimeout(r, delayMs)));
        queue = turn;
        await turn;
      }
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(await upstream.text());
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
