import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { noise } from "@chainsafe/libp2p-noise";
import { withBitswap } from "@helia/bitswap";
import { withLibp2pLight } from "@helia/libp2p";
import { type UnixFS, unixfs } from "@helia/unixfs";
import { identify } from "@libp2p/identify";
import type { PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { yamux } from "@libp2p/yamux";
import { multiaddr } from "@multiformats/multiaddr";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight, type Helia } from "helia";
import type { Libp2p } from "libp2p";
import { IdleGarbageCollector } from "./idleGc.ts";

/** Where a node listens. Port 0 lets the OS pick a free port. */
export interface ListenOptions {
  tcpPort?: number;
  wsPort?: number;
}

export interface IpfsNodeOptions {
  /** Directory for the block store (`blocks/`) and the datastore (`data/`, holds the peer key). */
  dir: string;
  listen?: ListenOptions;
  /** Peers to dial at start, as multiaddrs that end in `/p2p/<peerId>`. */
  peers?: string[];
  /** The libp2p identity (default: one kept in the datastore). */
  privateKey?: PrivateKey;
  /**
   * Which peers may connect, either way (a libp2p connection gater, checked once the peer has
   * proved its id in the noise handshake). Without it every peer may; see `peerAllowlist`.
   */
  allowPeer?: (peerId: string) => boolean;
}

export type IpfsHelia = Helia & { libp2p: Libp2p };

export interface IpfsNode {
  helia: IpfsHelia;
  fs: UnixFS;
  /** Frees unpinned blocks when no add or pin is under way (see idleGc.ts). */
  gc: IdleGarbageCollector;
  peerId: string;
  /** Multiaddrs other nodes dial, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[];
  dial(peer: string, signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a Helia node on file-system stores with libp2p on loopback only: TCP and WebSockets,
 * noise, yamux, identify and bitswap. No bootstrap list, no DHT, no public gateways: peers are
 * whatever the caller dials, so nothing leaves the consortium's machines.
 *
 * @example
 * const node = await startIpfsNode({ dir: ".neuroledger/inst-1/ipfs" });
 * const cid = await node.fs.addBytes(new Uint8Array([1, 2, 3]));
 * await node.stop();
 */
export async function startIpfsNode(options: IpfsNodeOptions): Promise<IpfsNode> {
  const blocksDir = join(options.dir, "blocks");
  const dataDir = join(options.dir, "data");
  await mkdir(blocksDir, { recursive: true });
  await mkdir(dataDir, { recursive: true });
  const blockstore = new FsBlockstore(blocksDir);
  const datastore = new FsDatastore(dataDir);
  // The fs stores must be open before Helia touches them.
  await blockstore.open();
  await datastore.open();

  const tcpPort = options.listen?.tcpPort ?? 0;
  const wsPort = options.listen?.wsPort ?? 0;
  const light = createHeliaLight({ blockstore, datastore });
  const allow = options.allowPeer;
  const deny = allow ? (peerId: { toString(): string }) => !allow(peerId.toString()) : undefined;
  const helia = withBitswap(
    withLibp2pLight(light, {
      addresses: {
        listen: [`/ip4/127.0.0.1/tcp/${tcpPort}`, `/ip4/127.0.0.1/tcp/${wsPort}/ws`],
      },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      ...(options.privateKey ? { privateKey: options.privateKey } : {}),
      ...(deny
        ? {
            connectionGater: {
              denyDialPeer: deny,
              denyInboundEncryptedConnection: deny,
              denyOutboundEncryptedConnection: deny,
            },
          }
        : {}),
    }),
  ) as unknown as IpfsHelia;
  await helia.start();

  const gc = new IdleGarbageCollector(
    () => helia.gc(),
    // A failed gc only leaves unpinned blocks on disk until the next one.
    () => undefined,
  );
  const node: IpfsNode = {
    helia,
    fs: unixfs(helia),
    gc,
    peerId: helia.libp2p.peerId.toString(),
    multiaddrs: () => helia.libp2p.getMultiaddrs().map((m) => m.toString()),
    async dial(peer, signal) {
      await helia.libp2p.dial(multiaddr(peer), { signal: signal ?? AbortSignal.timeout(10_000) });
    },
    async stop() {
      await gc.settled();
      await helia.stop();
      await blockstore.close();
      await datastore.close();
    },
  };
  for (const peer of options.peers ?? []) {
    // A peer that is down now is retried by the caller; a node must start without its peers.
    await node.dial(peer).catch(() => undefined);
  }
  return node;
}
