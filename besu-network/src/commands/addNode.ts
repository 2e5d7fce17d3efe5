import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { formatEnode, parseEnode } from "../enode.ts";
import { InvalidInputError } from "../errors.ts";
import { type NetworkFile, renderNodeFiles, renderNodeListFiles } from "../networkFiles.ts";
import type { NodeRole } from "../networkPlan.ts";
import { createNodeKey } from "../nodeKey.ts";
import { createPermClient } from "../perm/permClient.ts";
import { readPermissionsFile, renderPermissions } from "../permissionsFile.ts";
import { writeNetworkFiles } from "../writeFiles.ts";

export type AddNodeParameters = {
  /** Directory written by `generate`. */
  network: string;
  /** A future validator (joins as a follower until voted in) or an RPC node. */
  role?: NodeRole;
  /** Host of its enode URL; by default the host of the last node. */
  host?: string | undefined;
  /** Running nodes (JSON-RPC with PERM) that must allow the new node now, not only after a restart. */
  adminRpcUrls?: readonly string[];
  timeoutMs?: number;
};

export type AddNodeReturnType = {
  name: string;
  role: NodeRole;
  address: `0x${string}`;
  enode: string;
  rpcUrl: string;
  dir: string;
  /** Admin RPCs that now allow the node. */
  allowedOn: string[];
};

const manifestNode = z.looseObject({
  name: z.string(),
  role: z.enum(["validator", "rpc"]),
  enode: z.string(),
  p2pPort: z.number().int(),
  rpcUrl: z.string(),
  metricsPort: z.number().int(),
  dir: z.string(),
});
const manifestSchema = z.looseObject({
  schema: z.literal("neuroledger.besu-network/1"),
  chainId: z.number().int().positive(),
  bootnodes: z.array(z.string()),
  besuImage: z.string().default("hyperledger/besu:latest"),
  nodes: z.array(manifestNode).min(1),
});

async function readManifest(path: string) {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new InvalidInputError(`Cannot read ${path}: ${(cause as Error).message}`, {
      hint: "Give --network the directory that `generate` wrote.",
      cause,
    });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new InvalidInputError(`${path} is not a network.json:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Adds a node to a generated network: a new key and node directory with the next free ports, and
 * its enode in `static-nodes.json`, in every node's nodes allowlist, in `network.json` and in the
 * start scripts and compose file. A validator-to-be joins as a follower; the validators then vote
 * it in with `qbft_proposeValidatorVote` (README, "Adding a validator").
 *
 * @example
 * const node = await addNode({ network: "network", role: "validator", host: "10.0.4.11" });
 */
export async function addNode(parameters: AddNodeParameters): Promise<AddNodeReturnType> {
  const role = parameters.role ?? "validator";
  if (role !== "validator" && role !== "rpc")
    throw new InvalidInputError(`--role must be validator or rpc, not ${role}`);
  const manifestPath = join(parameters.network, "network.json");
  const manifest = await readManifest(manifestPath);
  const names = new Set(manifest.nodes.map((n) => n.name));
  let index = manifest.nodes.filter((n) => n.role === role).length + 1;
  while (names.has(`${role}-${index}`)) index += 1;
  const name = `${role}-${index}`;
  const last = manifest.nodes[manifest.nodes.length - 1] as (typeof manifest.nodes)[number];
  const host = parameters.host ?? parseEnode(last.enode).host;
  const nextPort = (ports: number[]) => Math.max(...ports) + 1;
  const key = createNodeKey();
  const p2pPort = nextPort(manifest.nodes.map((n) => n.p2pPort));
  const rpcPort = nextPort(manifest.nodes.map((n) => Number(new URL(n.rpcUrl).port)));
  const metricsPort = nextPort(manifest.nodes.map((n) => n.metricsPort));
  const enode = formatEnode({ enodeId: key.enodeId, host, port: p2pPort });
  const node = { name, role, host, p2pPort, rpcPort, metricsPort, enode, key };
  const dir = `nodes/${name}`;
  const allEnodes = [...manifest.nodes.map((n) => n.enode), enode];

  // The new node takes the accounts allowlist the network has now (the first node's).
  const first = manifest.nodes[0] as (typeof manifest.nodes)[number];
  const current = await readPermissionsFile(
    join(parameters.network, first.dir, "permissions_config.toml"),
  );
  const newFiles = renderNodeFiles(manifest, node, {
    accountsAllowlist: current?.accountsAllowlist ?? [],
    nodesAllowlist: allEnodes,
  });
  const updated: NetworkFile[] = [
    { path: "static-nodes.json", content: json(allEnodes), mode: 0o644 },
    ...renderNodeListFiles(manifest.besuImage, [...manifest.nodes.map((n) => n.name), name]),
  ];
  for (const existing of manifest.nodes) {
    const path = `${existing.dir}/permissions_config.toml`;
    const permissions = await readPermissionsFile(join(parameters.network, path));
    const nodesAllowlist = [...(permissions?.nodesAllowlist ?? []), enode];
    updated.push({
      path,
      content: renderPermissions({
        accountsAllowlist: permissions?.accountsAllowlist ?? [],
        nodesAllowlist,
      }),
      mode: 0o644,
    });
  }
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
  const entry = { name, role, address: key.address, enode, p2pPort, rpcUrl, metricsPort, dir };
  updated.push({
    path: "network.json",
    content: json({ ...manifest, nodes: [...manifest.nodes, entry] }),
    mode: 0o644,
  });

  // New files first, refusing to overwrite; the shared files change only once they exist.
  await writeNetworkFiles(parameters.network, newFiles, false);
  await writeNetworkFiles(parameters.network, updated, true);

  const allowedOn: string[] = [];
  for (const url of parameters.adminRpcUrls ?? []) {
    const client = createPermClient(url, { timeoutMs: parameters.timeoutMs ?? 10_000 });
    if (!(await client.getNodesAllowlist()).includes(enode))
      await client.addNodesToAllowlist([enode]);
    allowedOn.push(url);
  }
  return { name, role, address: key.address, enode, rpcUrl, dir, allowedOn };
}
