import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { controlApi } from "../ipfs/api.ts";
import { startGateway } from "../ipfs/gateway.ts";
import { type IpfsNode, startIpfsNode } from "../ipfs/node.ts";
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
  fetchTimeoutMs?: number;
  workers?: NodeWorker[];
  log: Logger;
}

export interface RunningNode {
  info: NodeInfo;
  ipfs: IpfsNode;
  stop(): Promise<void>;
}

/**
 * Starts an institution node: Helia on `<dataDir>/ipfs`, the gateway + control API, and the
 * workers; then writes `<dataDir>/node.json` (peer id, multiaddrs, gateway URL) for whoever
 * started it. Peers that are down are redialled every few seconds.
 */
export async function runNode(options: RunNodeOptions): Promise<RunningNode> {
  const { log } = options;
  await mkdir(options.dataDir, { recursive: true });
  const ipfs = await startIpfsNode({
    dir: join(options.dataDir, "ipfs"),
    listen: { tcpPort: options.tcpPort, wsPort: options.wsPort },
    peers: options.peers,
  });
  const workers = options.workers ?? [];
  const gateway = await startGateway({
    node: ipfs,
    port: options.gatewayPort,
    fetchTimeoutMs: options.fetchTimeoutMs,
    api: controlApi(ipfs, () =>
      Object.assign({ name: options.name }, ...workers.map((w) => w.status?.() ?? {})),
    ),
  });
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
