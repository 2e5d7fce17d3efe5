import { Readable } from "node:stream";
import {
  createGatewaySession,
  type GatewaySession,
  type MessageSigner,
} from "@neuroledger/sdk/ipfs";
import { CliError, RefusedError, TimeoutError, UnavailableError } from "../errors.ts";

/** State changes of the control API need a content type no page can send without a preflight. */
const JSON_REQUEST = { "content-type": "application/json" };

/**
 * Talks to an institution node over its local HTTP port: adds and pins through the control API,
 * reads files through the gateway. Every call is bounded by a timeout.
 */
export class NodeClient {
  readonly url: string;
  readonly timeoutMs: number;
  /** Signs in to the gateway as this account; reads of models need it (see access/policy.ts). */
  readonly session: GatewaySession | undefined;

  constructor(url: string, timeoutMs = 60_000, signer?: MessageSigner) {
    this.url = url.replace(/\/$/, "");
    this.timeoutMs = timeoutMs;
    this.session = signer
      ? createGatewaySession({ gateway: this.url, signer, timeoutMs: Math.min(timeoutMs, 15_000) })
      : undefined;
  }

  /** Adds a byte stream (pinned on the node); returns the CID of the file. */
  async add(body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
    const res = await this.request("/api/add", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Readable.toWeb(Readable.from(body)) as ReadableStream,
      duplex: "half",
      signal: this.signal(signal),
    } as RequestInit);
    return ((await res.json()) as { cid: string }).cid;
  }

  async pin(cid: string, signal?: AbortSignal): Promise<void> {
    await this.request(`/api/pin?cid=${encodeURIComponent(cid)}&timeoutMs=${this.timeoutMs}`, {
      method: "POST",
      headers: JSON_REQUEST,
      signal: this.signal(signal),
    });
  }

  /** Unpins a CID; the node then garbage-collects every block no pin holds. */
  async unpin(cid: string, signal?: AbortSignal): Promise<void> {
    await this.request(`/api/pin?cid=${encodeURIComponent(cid)}`, {
      method: "DELETE",
      headers: JSON_REQUEST,
      signal: this.signal(signal),
    });
  }

  async pins(): Promise<string[]> {
    const res = await this.request("/api/pins", { signal: this.signal() });
    return ((await res.json()) as { pins: string[] }).pins;
  }

  async id(): Promise<
    { peerId: string; multiaddrs: string[]; peers: string[] } & Record<string, unknown>
  > {
    const res = await this.request("/api/id", { signal: this.signal() });
    return (await res.json()) as { peerId: string; multiaddrs: string[]; peers: string[] };
  }

  /** The file's bytes as a stream, and its length when the node knows it. */
  async cat(cid: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.request(`/ipfs/${cid}`, { signal: this.signal(signal) });
    if (!res.body) throw new CliError(`the node sent no body for ${cid}`);
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  async catBytes(cid: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.request(`/ipfs/${cid}`, { signal: this.signal(signal) });
    return new Uint8Array(await res.arrayBuffer());
  }

  private signal(outer?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return outer ? AbortSignal.any([outer, timeout]) : timeout;
  }

  private async request(path: string, init: RequestInit, retried = false): Promise<Response> {
    const auth = path.startsWith("/ipfs/") ? await this.authHeaders() : {};
    const res = await this.send(path, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), ...auth },
    });
    if (res.status === 401 && this.session && !retried) {
      // The node restarted or the token lapsed: sign in once more.
      await res.body?.cancel();
      this.session.invalidate();
      return this.request(path, init, true);
    }
    if (!res.ok) throw await this.refusal(path, res);
    return res;
  }

  /** The gateway's bearer header (none without a session); sign-in failures become CLI errors. */
  private async authHeaders(): Promise<Record<string, string>> {
    if (!this.session) return {};
    try {
      return await this.session.headers();
    } catch (err) {
      if ((err as Error).name !== "IpfsFetchError")
        throw new RefusedError((err as Error).message, { cause: err });
      throw new UnavailableError(
        `cannot reach the IPFS node at ${this.url}: ${causeText((err as Error).cause as Error)}`,
        {
          hints: ["Start it with `neuroledger node` (or `neuroledger up`), or pass --node <url>."],
          cause: err,
        },
      );
    }
  }

  /** `fetch` with a network failure or a timeout turned into the CLI's error classes. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, init);
    } catch (err) {
      const e = err as Error;
      if (e.name === "TimeoutError" || e.name === "AbortError") {
        throw new TimeoutError(
          `the IPFS node at ${this.url} did not answer ${path} within ${this.timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      throw new UnavailableError(`cannot reach the IPFS node at ${this.url}: ${causeText(e)}`, {
        hints: ["Start it with `neuroledger node` (or `neuroledger up`), or pass --node <url>."],
        cause: err,
      });
    }
  }

  /** The error for a non-2xx answer: 401/403 refused, 504 unavailable, anything else a CliError. */
  private async refusal(path: string, res: Response): Promise<Error> {
    const text = await res.text().catch(() => "");
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {}
    const refusal = `IPFS node ${this.url} answered ${res.status} for ${path}: ${message}`;
    if (res.status === 401 || res.status === 403) return new RefusedError(refusal);
    return res.status === 504 ? new UnavailableError(refusal) : new CliError(refusal);
  }
}

function causeText(err: Error): string {
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? err.message;
}
