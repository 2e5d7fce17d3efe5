import { fallbackRouter } from "@helia/fallback-router";
import type { Router } from "@helia/interface";
import { trustlessGatewayBlockBroker } from "@helia/trustless-gateway-client";
import { unixfs } from "@helia/unixfs";
import { createHeliaLight, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { joinBytes } from "../crypto/bytes.ts";
import { IpfsFetchError } from "../errors.ts";
import type { GatewaySession } from "./gatewaySession.ts";
import { idleTimeout } from "./idleTimeout.ts";

export type GatewayReaderParameters = {
  /** Trustless gateways (`GET /ipfs/<cid>?format=raw`), e.g. an institution node's `http://127.0.0.1:8180`. */
  gateways: readonly string[];
  /** Give up on a fetch after this long without a block arriving (default 30 s). */
  timeoutMs?: number;
  /**
   * Signs in to the gateways (institution nodes serve models only to accounts that may download
   * them): every block request carries its bearer token.
   */
  session?: GatewaySession;
};

export type CatParameters = {
  signal?: AbortSignal;
  /** Called with the bytes received so far. */
  onProgress?: (bytes: number) => void;
};

export type GatewayReader = {
  /** The file behind `cid` as a stream; every block is checked against its hash before it is used. */
  cat(cid: CID | string, parameters?: CatParameters): ReadableStream<Uint8Array>;
  /** The whole file in memory (keyrings, cards). */
  bytes(
    cid: CID | string,
    parameters?: CatParameters & { maxBytes?: number },
  ): Promise<Uint8Array<ArrayBuffer>>;
  stop(): Promise<void>;
  readonly helia: Helia;
};

// A router that knows nothing: with the fallback router alone, Helia's provider search waits on
// it forever; with this one beside it the search ends and the gateways are asked.
const noProviders: Router = {
  name: "neuroledger-no-providers",
  async *findProviders() {},
};

function parseCid(cid: CID | string): CID {
  try {
    return CID.asCID(cid) ?? CID.parse(String(cid));
  } catch (cause) {
    throw new IpfsFetchError(`Not a CID: ${String(cid)}.`, { cause });
  }
}

/**
 * Verified reads from trustless HTTP gateways, the same code in the browser and in Node: a light
 * Helia (no libp2p) whose only block source is the given gateways. Blocks are verified against
 * their CIDs, so a gateway cannot alter content; a fetch fails once no block has arrived for
 * `timeoutMs`.
 *
 * @example
 * const reader = await createGatewayReader({ gateways: [stack.gateways[0]] });
 * await reader.cat(model.content).pipeThrough(createDecryptStream(key)).pipeTo(sink);
 */
export async function createGatewayReader(
  parameters: GatewayReaderParameters,
): Promise<GatewayReader> {
  if (parameters.gateways.length === 0)
    throw new IpfsFetchError("No gateway given: pass at least one trustless gateway URL.");
  const timeoutMs = parameters.timeoutMs ?? 30_000;
  const session = parameters.session;
  const helia = createHeliaLight({
    blockBrokers: [
      trustlessGatewayBlockBroker({
        allowLocal: true,
        allowInsecure: true,
        transformRequestInit: session
          ? async (init) => ({
              ...init,
              headers: {
                ...Object.fromEntries(new Headers(init.headers)),
                ...(await session.headers()),
              },
            })
          : undefined,
      }),
    ],
    routers: [noProviders, fallbackRouter({ gateways: [...parameters.gateways] })],
  });
  await helia.start();
  const fs = unixfs(helia);

  const failure = (cid: CID, cause: unknown, timedOut: boolean) =>
    new IpfsFetchError(
      timedOut
        ? `Fetching ${cid} stalled: no block arrived for ${timeoutMs / 1000} s.`
        : `Could not fetch ${cid}: ${(cause as Error)?.message ?? cause}.`,
      {
        details: `Gateways: ${parameters.gateways.join(", ")}.`,
        hints: ["Check that the institution node is running and holds (pins) this CID."],
        cause,
      },
    );

  const cat = (
    cidLike: CID | string,
    catParameters: CatParameters = {},
  ): ReadableStream<Uint8Array> => {
    const cid = parseCid(cidLike);
    const timeout = idleTimeout(timeoutMs);
    const signal = catParameters.signal
      ? AbortSignal.any([catParameters.signal, timeout.signal])
      : timeout.signal;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    let received = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          iterator ??= fs.cat(cid, { signal })[Symbol.asyncIterator]();
          const { done, value } = await iterator.next();
          if (done) {
            timeout.clear();
            return controller.close();
          }
          timeout.touch();
          received += value.length;
          catParameters.onProgress?.(received);
          controller.enqueue(value);
        } catch (cause) {
          timeout.clear();
          throw failure(cid, cause, timeout.timedOut);
        }
      },
      async cancel() {
        timeout.clear();
        await iterator?.return?.();
      },
    });
  };

  return {
    helia,
    cat,
    async bytes(cidLike, { maxBytes = 16 * 1024 * 1024, ...rest } = {}) {
      const parts: Uint8Array[] = [];
      let length = 0;
      const reader = cat(cidLike, rest).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        length += value.length;
        if (length > maxBytes) {
          await reader.cancel();
          throw new IpfsFetchError(`${String(cidLike)} is larger than ${maxBytes} bytes.`);
        }
        parts.push(value);
      }
      return joinBytes(parts);
    },
    async stop() {
      await helia.stop();
    },
  };
}
