import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { controlApi } from "../ipfs/api.ts";
import { type GatewayAccess, startGateway } from "../ipfs/gateway.ts";
import { type IpfsNode, startIpfsNode } from "../ipfs/node.ts";
import { loadOrCreatePeerKey } from "../ipfs/peerKey.ts";
import type { Logger } from "../log.ts";

export interface NodeInfo {
  name: string;
  peerId: string;
  multiaddrs: string[];
  gatewayUrl: string;
  pid: number;
}

/** Something that runs beside the IPFS node in the same process (pin follower, keeper). */
export interface NodeWorker {
  name: string;
  start(node: IpfsNode): Promise<void>;
  stop(): Promise<void>;
  /** Extra fields for `GET /api/id` (e.g. the last processed block). */
  status?(): Record<string, unknown>;
}

export interface RunNodeOptions {
  name: string;
  dataDir: string;
  tcpPort?: number;
  wsPort?: number;
  gatewayPort?: number;
  peers?: string[];
  /** Peer ids (besides those of `peers`) that may connect; see `peerAllowlist`. */
  allowPeers?: string[];
  fetchTimeoutMs?: number;
  workers?: NodeWorker[];
  /**
   * The gateway's access policy, made once the gateway's URL is known (the sign-in domain).
   * Without one the node enforces nothing: a storage-only node for tests and benchmarks.
   */
  access?: (ipfs: IpfsNode, gatewayUrl: string) => GatewayAccess;
  log: Logger;
}

export interface RunningNode {
  info: NodeInfo;
  ipfs: IpfsNode;
  stop(): Promise<void>;
}

/**
 * The peer ids that may connect to this node: those of `--peer` and `--allow-peer`. A node that
 * enforces access (it follows the chain) always has one, empty if nothing is configured, so a
 * stranger's libp2p node cannot bitswap a model's ciphertext; a storage-only node without any
 * configured peer takes everyone (tests, benchmarks).
 */
export function peerAllowlist(options: RunNodeOptions): Set<string> | undefined {
  const ids = [
    ...(options.peers ?? []).map((p) => p.split("/p2p/")[1]).filter((id): id is string => !!id),
    ...(options.allowPeers ?? []),
  ];
  if (ids.length === 0 && !options.access) return undefined;
  return new Set(ids);
}

/** An access policy made after the gateway listens; until then every read is refused. */
function deferredAccess(current: () => GatewayAccess | undefined): GatewayAccess {
  return {
    routes: async (req, res, url) =>
      current() ? (current()?.routes(req, res, url) ?? false) : false,
    authorize: async (req, cid) =>
      current()?.authorize(req, cid) ?? {
        allowed: false,
        status: 403,
        error: "the node is starting: try again in a moment",
      },
    served: (cid, bytes, decision) => current()?.served(cid, bytes, decision),
  };
}

/**
 * Starts an institution node: Helia on `<dataDir>/ipfs`, the gateway + control API, and the
 * workers; then writes `<dataDir>/node.json` (peer id, multiaddrs, gateway URL) for whoever
 * started it. Peers that are down are redialled every few seconds.
 */
export async function runNode(options: RunNodeOptions): Promise<RunningNode> {
  const { log } = options;
  await mkdir(options.dataDir, { recursive: true });
  const allowed = peerAllowlist(options);
  const ipfs = await startIpfsNode({
    dir: join(options.dataDir, "ipfs"),
    listen: { tcpPort: options.tcpPort, wsPort: options.wsPort },
    peers: options.peers,
    privateKey: await loadOrCreatePeerKey(join(options.dataDir, "peer.key")),
    allowPeer: allowed ? (peerId) => allowed.has(peerId) : undefined,
  });
  const workers = options.workers ?? [];
  let access: GatewayAccess | undefined;
  const gateway = await startGateway({
    node: ipfs,
    port: options.gatewayPort,
    fetchTimeoutMs: options.fetchTimeoutMs,
    api: controlApi(ipfs, () =>
      Object.assign({ name: options.name }, ...workers.map((w) => w.status?.() ?? {})),
    ),
    access: options.access ? deferredAccess(() => access) : undefined,
  });
  if (options.access) access = options.access(ipfs, gateway.url);
  const redial = setInterval(() => {
    const connected = new Set(ipfs.helia.libp2p.getPeers().map(String));
    for (const peer of options.peers ?? []) {
      const id = peer.split("/p2p/")[1];
      if (id && !connected.has(id))
        ipfs.dial(peer, AbortSignal.timeout(3000)).catch(() => undefined);
    }
  }, 3000);
  redial.unref();
  for (const worker of workers) {
    await worker.start(ipfs);
    log.info("worker started", { worker: worker.name });
  }
  const info: NodeInfo = {
    name: options.name,
    peerId: ipfs.peerId,
    multiaddrs: ipfs.multiaddrs(),
    gatewayUrl: gateway.url,
    pid: process.pid,
  };
  const infoFile = join(options.dataDir, "node.json");
  await writeFile(`${infoFile}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  await rename(`${infoFile}.tmp`, infoFile);
  log.info("node ready", {
    peerId: info.peerId,
    gateway: info.gatewayUrl,
    tcp: info.multiaddrs[0],
  });

  return {
    info,
    ipfs,
    async stop() {
      clearInterval(redial);
      for (const worker of [...workers].reverse()) await worker.stop();
      await gateway.close();
      await ipfs.stop();
      log.info("node stopped");
    },
  };
}
