import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOrCreatePeerKey, peerIdOf } from "../ipfs/peerKey.ts";
import type { NodeInfo } from "../node/runNode.ts";
import { type Child, spawnChild, waitFor } from "./childProcess.ts";
import { evaluationFolders } from "./evaluationSets.ts";
import type { UpService } from "./service.ts";
import { slug } from "./slug.ts";

const BIN = fileURLToPath(new URL("../../bin/neuroledger.js", import.meta.url));

/**
 * One `neuroledger node` process per member institution, each with its own data dir, signing
 * as the institution's account (pin follower + keeper), peered with the ones started before it;
 * with `options.evaluation`, each evaluates the kept models on its own private folder.
 */
export const institutionNodesService: UpService = {
  name: "institution-nodes",
  async start(ctx) {
    const { options, stack } = ctx;
    if (!stack.chain) throw new Error("institution nodes need the deploy service before them");
    const members = stack.accounts.filter((a) => a.role === "member");
    const evaluateOn = await evaluationFolders(
      options,
      members.map((m) => ({ name: m.institution ?? m.name, accountName: m.name })),
    );
    const children: Child[] = [];
    const peers: string[] = [];
    // Every node's libp2p key is made first, so each node can be told the others' peer ids (its
    // allowlist) before any of them starts: only member nodes exchange blocks.
    const dataDirOf = (member: (typeof members)[number]) =>
      join(options.dataDir, "nodes", slug(member.institution ?? member.name));
    const peerIds = await Promise.all(
      members.map(async (m) => peerIdOf(await loadOrCreatePeerKey(join(dataDirOf(m), "peer.key")))),
    );
    try {
      for (const [i, member] of members.entries()) {
        const name = member.institution ?? member.name;
        const dataDir = dataDirOf(member);
        const gatewayPort = options.gatewayPortBase ? options.gatewayPortBase + i : 0;
        const args = [
          BIN,
          "node",
          "--name",
          slug(name),
          "--data-dir",
          dataDir,
          "--gateway-port",
          String(gatewayPort),
          "--rpc",
          stack.chain.rpcUrl,
          "--deployment",
          stack.chain.deploymentFile,
          ...peers.flatMap((p) => ["--peer", p]),
          ...peerIds.filter((_, j) => j !== i).flatMap((id) => ["--allow-peer", id]),
          ...(evaluateOn[i] ? ["--evaluate-on", evaluateOn[i]] : []),
        ];
        // The key goes by env, not argv, so it does not show in `ps`.
        const child = spawnChild(process.execPath, args, {
          log: ctx.log,
          name: slug(name),
          env: { ...process.env, NEUROLEDGER_KEY: member.privateKey, NEUROLEDGER_STACK: "" },
        });
        children.push(child);
        const infoFile = join(dataDir, "node.json");
        const started = Date.now();
        const info = await waitFor(
          `node of ${name}`,
          async () => {
            const parsed = JSON.parse(await readFile(infoFile, "utf8")) as NodeInfo;
            return parsed.pid === child.process.pid ? parsed : undefined;
          },
          { timeoutMs: 60_000, child, signal: ctx.signal },
        );
        ctx.log.info("institution node up", { institution: name, ms: Date.now() - started });
        peers.push(info.multiaddrs[0] as string);
        stack.institutions.push({
          name,
          account: member.address,
          ipfs: {
            peerId: info.peerId,
            multiaddrs: info.multiaddrs,
            gatewayUrl: info.gatewayUrl,
            dataDir,
            pid: info.pid,
          },
        });
      }
    } catch (err) {
      await Promise.all(children.map((c) => c.stop()));
      throw err;
    }
    return {
      summary: stack.institutions.map(
        (i) => `ipfs       ${i.ipfs.gatewayUrl}  ${i.name} (gateway + node API)`,
      ),
      stop: async () => {
        await Promise.all(children.map((c) => c.stop()));
      },
    };
  },
};
