import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { parse as parseToml } from "smol-toml";
import { bytesToHex, getAddress, type Hex, hexToBytes, keccak256 } from "viem";
import { parse as parseYaml } from "yaml";
import { generateNetwork } from "../src/commands/generate.ts";
import { OutputExistsError } from "../src/errors.ts";
import type { Genesis } from "../src/genesis.ts";
import type { buildNodeConfig } from "../src/networkFiles.ts";
import { decodeQbftExtraData } from "../src/qbftExtraData.ts";
import { tempDir } from "./support/tempDir.ts";

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const CHAIN_ID = 2027;
const BLOCK_PERIOD = 3;

/** Public key and address of a Besu key file, computed with @noble/curves (not the generator's viem path). */
async function identityOfKeyFile(path: string) {
  const privateKey = (await readFile(path, "utf8")).trim();
  const publicKey = secp256k1.getPublicKey(hexToBytes(privateKey as Hex), false); // 0x04 || X || Y
  const enodeId = bytesToHex(publicKey.slice(1)).slice(2);
  const address = getAddress(`0x${keccak256(publicKey.slice(1)).slice(-40)}`);
  return { enodeId, address };
}

const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8"));
const readToml = async (path: string) => parseToml(await readFile(path, "utf8"));

type NodeConfig = ReturnType<typeof buildNodeConfig>;
type PermissionsToml = { "accounts-allowlist": string[]; "nodes-allowlist": string[] };
type Compose = { services: Record<string, { working_dir: string; command: string[] }> };
type ExecError = { code: number; stderr: string };

describe("generate", () => {
  let out: string;
  let manifest: Awaited<ReturnType<typeof generateNetwork>>["manifest"];
  let genesis: Genesis;

  before(async () => {
    out = join(await tempDir(), "network");
    ({ manifest } = await generateNetwork({
      validators: 4,
      rpcNodes: 1,
      chainId: CHAIN_ID,
      blockPeriod: BLOCK_PERIOD,
      account: [DEPLOYER],
      out,
    }));
    genesis = await readJson(join(out, "genesis.json"));
  });

  it("writes a genesis whose extraData decodes to exactly the validators' key addresses", async () => {
    const validatorNodes = manifest.nodes.filter((n) => n.role === "validator");
    assert.equal(validatorNodes.length, 4);
    const expected = await Promise.all(
      validatorNodes.map(async (n) => (await identityOfKeyFile(join(out, n.dir, "key"))).address),
    );
    const { validators } = decodeQbftExtraData(genesis.extraData);
    assert.deepEqual(new Set(validators), new Set(expected));
    assert.equal(validators.length, 4);
    // Ascending order, as `besu rlp encode` expects its input.
    assert.deepEqual(
      validators,
      [...validators].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
    const rpcNode = manifest.nodes.find((n) => n.role === "rpc");
    assert.ok(rpcNode && !validators.includes(rpcNode.address), "an RPC node is not a validator");
  });

  it("gives every node an enode whose id is the public key of its key file", async () => {
    const staticNodes: string[] = await readJson(join(out, "static-nodes.json"));
    assert.equal(staticNodes.length, 5);
    for (const node of manifest.nodes) {
      const { enodeId, address } = await identityOfKeyFile(join(out, node.dir, "key"));
      assert.equal(node.enode, `enode://${enodeId}@127.0.0.1:${node.p2pPort}`);
      assert.equal(node.address, address);
      assert.ok(staticNodes.includes(node.enode));
      assert.equal((await readFile(join(out, node.dir, "key.pub"), "utf8")).trim(), `0x${enodeId}`);
    }
  });

  it("is a zero base fee, free gas QBFT chain with Cancun from genesis", () => {
    assert.equal(genesis.config.chainId, CHAIN_ID);
    assert.equal(genesis.config.zeroBaseFee, true);
    assert.equal(genesis.baseFeePerGas, "0x0");
    assert.equal(genesis.config.cancunTime, 0);
    assert.equal(genesis.config.shanghaiTime, 0);
    assert.equal(genesis.config.londonBlock, 0);
    assert.equal(
      (genesis.config as Record<string, unknown>).pragueTime,
      undefined,
      "no fork beyond the contracts' evmVersion",
    );
    assert.equal(
      genesis.mixHash,
      "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
    );
    assert.deepEqual(genesis.config.qbft, {
      blockperiodseconds: BLOCK_PERIOD,
      epochlength: 30000,
      requesttimeoutseconds: 2 * BLOCK_PERIOD,
    });
    assert.deepEqual(Object.keys(genesis.alloc), [DEPLOYER.slice(2).toLowerCase()]);
  });

  it("keeps chain id, block period and forks consistent across genesis, network.json and node configs", async () => {
    assert.equal(manifest.chainId, genesis.config.chainId);
    assert.equal(manifest.blockPeriodSeconds, genesis.config.qbft.blockperiodseconds);
    assert.equal(manifest.requestTimeoutSeconds, genesis.config.qbft.requesttimeoutseconds);
    assert.equal(manifest.evmVersion, "cancun");
    const genesisConfig = genesis.config as Record<string, unknown>;
    for (const [fork, at] of Object.entries(manifest.forks))
      assert.equal(genesisConfig[fork], at, fork);
    for (const node of manifest.nodes) {
      const config = (await readToml(join(out, node.dir, "config.toml"))) as NodeConfig;
      assert.equal(config["network-id"], CHAIN_ID, node.name);
      assert.equal(config["p2p-port"], node.p2pPort);
      assert.equal(config["rpc-http-host"], "127.0.0.1");
      assert.equal(`http://127.0.0.1:${config["rpc-http-port"]}`, node.rpcUrl);
      assert.equal(config["min-gas-price"], 0);
      assert.ok(config["rpc-http-api"].includes("PERM") && config["rpc-http-api"].includes("QBFT"));
      // Relative paths resolve from the node directory (where start.sh runs besu) to the shared files.
      const nodeDir = join(out, node.dir);
      assert.equal(resolve(nodeDir, config["genesis-file"]), join(out, "genesis.json"));
      assert.equal(resolve(nodeDir, config["static-nodes-file"]), join(out, "static-nodes.json"));
      assert.equal(resolve(nodeDir, config["node-private-key-file"]), join(nodeDir, "key"));
      assert.deepEqual(
        config.bootnodes,
        manifest.bootnodes.filter((b) => b !== node.enode),
      );
    }
    const compose: Compose = parseYaml(await readFile(join(out, "docker-compose.yml"), "utf8"));
    assert.deepEqual(
      Object.keys(compose.services),
      manifest.nodes.map((n) => n.name),
    );
    for (const node of manifest.nodes) {
      const service = compose.services[node.name];
      assert.equal(service?.working_dir, `/network/${node.dir}`);
      assert.deepEqual(service?.command, ["--config-file=config.toml"]);
    }
  });

  it("allows every node and the bootnodes in each node's permissions file, and the given accounts", async () => {
    assert.equal(manifest.bootnodes.length, 2);
    for (const node of manifest.nodes) {
      const permissions = (await readToml(
        join(out, node.dir, "permissions_config.toml"),
      )) as PermissionsToml;
      assert.deepEqual(
        permissions["nodes-allowlist"],
        manifest.nodes.map((n) => n.enode),
      );
      for (const bootnode of manifest.bootnodes)
        assert.ok(permissions["nodes-allowlist"].includes(bootnode));
      assert.deepEqual(permissions["accounts-allowlist"], [DEPLOYER.toLowerCase()]);
    }
  });

  it("keeps node keys private to their owner", async () => {
    for (const node of manifest.nodes) {
      assert.equal((await stat(join(out, node.dir, "key"))).mode & 0o777, 0o600);
    }
  });

  it("writes start scripts that explain when besu is not on PATH", async () => {
    const script = join(out, "nodes/validator-1/start.sh");
    assert.ok(((await stat(script)).mode & 0o111) !== 0, "start.sh is executable");
    await assert.rejects(
      run(script, [], { env: { PATH: "/usr/bin:/bin" } }),
      (error: ExecError) => {
        assert.equal(error.code, 127);
        assert.match(error.stderr, /besu is not on PATH/);
        return true;
      },
    );
  });

  it("refuses to regenerate over existing keys without --force, and leaves them untouched", async () => {
    const keyPath = join(out, "nodes/validator-1/key");
    const before = await readFile(keyPath, "utf8");
    await assert.rejects(
      generateNetwork({ chainId: CHAIN_ID, account: [DEPLOYER], out }),
      (error: unknown) => error instanceof OutputExistsError && /node keys/.test(error.message),
    );
    assert.equal(await readFile(keyPath, "utf8"), before);

    await generateNetwork({ chainId: CHAIN_ID, account: [DEPLOYER], out, force: true });
    assert.notEqual(await readFile(keyPath, "utf8"), before, "--force writes a new key");
  });

  it("rejects bad options with errors naming them, writing nothing (CLI)", async () => {
    const target = join(await tempDir(), "bad");
    await assert.rejects(
      run(
        process.execPath,
        ["src/cli.ts", "generate", "--out", target, "--chain-id", "abc", "--validators", "0"],
        {
          cwd: packageDir,
        },
      ),
      (error: ExecError) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /--chain-id/);
        assert.match(error.stderr, /--validators/);
        assert.match(error.stderr, /--account/);
        return true;
      },
    );
    await assert.rejects(stat(target), { code: "ENOENT" });
  });
});
