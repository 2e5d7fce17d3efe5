import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { parse as parseToml } from "smol-toml";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { parse as parseYaml } from "yaml";
import { addNode } from "../src/commands/addNode.ts";
import { generateNetwork } from "../src/commands/generate.ts";
import { OutputExistsError } from "../src/errors.ts";
import type { buildNodeConfig, Manifest } from "../src/networkFiles.ts";
import { parsePermissions } from "../src/permissionsFile.ts";
import { type FakeBesuPermServer, startFakeBesuPermServer } from "./support/fakeBesuPermServer.ts";
import { tempDir } from "./support/tempDir.ts";

const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("add-node", () => {
  let out: string;
  let before_: Manifest;
  let genesisBefore: string;
  let besu: FakeBesuPermServer;

  before(async () => {
    out = join(await tempDir(), "network");
    ({ manifest: before_ } = await generateNetwork({ chainId: 7531, account: [DEPLOYER], out }));
    genesisBefore = await readFile(join(out, "genesis.json"), "utf8");
    // A stand-in for a running Besu node's PERM API (Besu cannot run here).
    besu = await startFakeBesuPermServer();
  });
  after(() => besu.close());

  it("adds a validator-to-be that every node, script and file of the network knows", async () => {
    const node = await addNode({ network: out, role: "validator", adminRpcUrls: [besu.url] });
    assert.equal(node.name, "validator-5");
    const privateKey = (await readFile(join(out, node.dir, "key"), "utf8")).trim() as Hex;
    const enodeId = bytesToHex(
      secp256k1.getPublicKey(hexToBytes(privateKey), false).slice(1),
    ).slice(2);
    const maxP2p = Math.max(...before_.nodes.map((n) => n.p2pPort));
    assert.equal(node.enode, `enode://${enodeId}@127.0.0.1:${maxP2p + 1}`);

    const config = parseToml(
      await readFile(join(out, node.dir, "config.toml"), "utf8"),
    ) as ReturnType<typeof buildNodeConfig>;
    assert.equal(config["network-id"], 7531);
    assert.equal(config["p2p-port"], maxP2p + 1);
    assert.deepEqual(config.bootnodes, before_.bootnodes);

    const staticNodes: string[] = JSON.parse(
      await readFile(join(out, "static-nodes.json"), "utf8"),
    );
    assert.deepEqual(staticNodes, [...before_.nodes.map((n) => n.enode), node.enode]);
    for (const n of [...before_.nodes, node]) {
      const permissions = parsePermissions(
        await readFile(join(out, n.dir, "permissions_config.toml"), "utf8"),
      );
      assert.deepEqual(permissions.nodesAllowlist, staticNodes, n.name);
      assert.deepEqual(permissions.accountsAllowlist, [DEPLOYER], n.name);
    }
    const manifest: Manifest = JSON.parse(await readFile(join(out, "network.json"), "utf8"));
    assert.deepEqual(manifest.nodes.at(-1), {
      name: "validator-5",
      role: "validator",
      address: node.address,
      enode: node.enode,
      p2pPort: maxP2p + 1,
      rpcUrl: node.rpcUrl,
      metricsPort: Math.max(...before_.nodes.map((n) => n.metricsPort)) + 1,
      dir: "nodes/validator-5",
    });
    assert.deepEqual(manifest.validators, before_.validators, "a validator only after the vote");
    const compose = parseYaml(await readFile(join(out, "docker-compose.yml"), "utf8"));
    assert.ok(compose.services["validator-5"]);
    assert.match(await readFile(join(out, "start-all.sh"), "utf8"), /validator-5/);
    assert.equal(
      await readFile(join(out, "genesis.json"), "utf8"),
      genesisBefore,
      "genesis never changes",
    );
    assert.deepEqual([...besu.nodes], [node.enode], "allowed at once on the running node");
  });

  it("refuses to overwrite a node directory that is not in network.json, changing nothing", async () => {
    await mkdir(join(out, "nodes/rpc-2"), { recursive: true });
    await writeFile(join(out, "nodes/rpc-2/key"), "0xsecret\n");
    const staticBefore = await readFile(join(out, "static-nodes.json"), "utf8");
    await assert.rejects(addNode({ network: out, role: "rpc" }), OutputExistsError);
    assert.equal(await readFile(join(out, "nodes/rpc-2/key"), "utf8"), "0xsecret\n");
    assert.equal(await readFile(join(out, "static-nodes.json"), "utf8"), staticBefore);
  });

  it("names the problem when the directory is not a generated network", async () => {
    await assert.rejects(addNode({ network: await tempDir() }), /network\.json/);
  });
});
