// The storage path against a real node process: encrypt + add, fetch + decrypt + verify, and
// what happens when the bytes on IPFS are not what was sealed.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as dagPb from "@ipld/dag-pb";
import { bytesToStream, generateContentKey } from "@neuroledger/sdk/crypto";
import { preparePrivateOutput } from "@neuroledger/sdk/node";
import { CID } from "multiformats/cid";
import { IntegrityError } from "../src/errors.ts";
import { type ContentStore, fetchVerified, sealAndAdd } from "../src/models/storage.ts";
import { type NodeProcess, once, startNodeProcess, tempDir } from "./helpers/nodeProcess.ts";

const sha = (b: Uint8Array) => `0x${createHash("sha256").update(b).digest("hex")}` as const;

/** The download's storage path: fetch, decrypt + verify (the sdk's one path), write to `out`. */
async function writeVerified(
  opened: { store: ContentStore; cid: string; contentKey: Uint8Array },
  expected: string,
  out: string,
): Promise<number> {
  const sink = await preparePrivateOutput(out);
  try {
    return await fetchVerified({ ...opened, expectedSha256: expected, sink });
  } finally {
    await sink.close();
  }
}

describe("storage path (encrypt + add, fetch + decrypt + verify)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let node: NodeProcess;

  before(async () => {
    dir = await tempDir("storage");
    node = await startNodeProcess({
      name: "s",
      dataDir: join(dir.path, "node"),
      args: ["--no-follow"],
    });
  });
  after(async () => {
    await node?.stop();
    await dir?.remove();
  });

  test("round trip: the bytes written are the bytes sealed, and the file appears only at the end", async () => {
    const model = randomBytes(2 * 1024 * 1024 + 123);
    const contentKey = generateContentKey();
    const { cid } = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model, 65536),
      contentKey,
    });
    const out = join(dir.path, "roundtrip.onnx");
    await writeVerified({ store: node.client, cid, contentKey }, sha(model), out);
    assert.ok((await readFile(out)).equals(model));
  });

  test("one IPFS block per sealed chunk: a 3 MiB model is 4 leaves (3 full chunks + the last)", async () => {
    const model = randomBytes(3 * 1024 * 1024 + 5);
    const { cid } = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model, 100_000),
      contentKey: generateContentKey(),
    });
    const root = await fetch(`${node.info.gatewayUrl}/ipfs/${cid}?format=raw`);
    const links = dagPb.decode(new Uint8Array(await root.arrayBuffer())).Links;
    assert.equal(links.length, 4);
    // header (32) + chunk (1 MiB + 16 tag), then 1 MiB + 16 each, then the rest + tag
    assert.deepEqual(
      links.map((l) => l.Tsize),
      [32 + 1048576 + 16, 1048576 + 16, 1048576 + 16, 5 + 16],
    );
  });

  test("same key and salt give the same CID (what makes a re-run publish idempotent)", async () => {
    const model = randomBytes(300_000);
    const contentKey = generateContentKey();
    const salt = randomBytes(16);
    const first = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model),
      contentKey,
      salt,
    });
    const second = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model, 4096),
      contentKey,
      salt,
    });
    assert.equal(first.cid, second.cid);
  });

  test("tampered ciphertext fails authentication and nothing is written", async () => {
    const model = randomBytes(1_500_000);
    const contentKey = generateContentKey();
    // Seal, then flip one byte in the middle of the container and add that instead.
    const sealed: Uint8Array[] = [];
    const { createEncryptStream } = await import("@neuroledger/sdk/crypto");
    await bytesToStream(model)
      .pipeThrough(createEncryptStream(contentKey))
      .pipeTo(new WritableStream({ write: (c) => void sealed.push(c) }));
    const container = Buffer.concat(sealed);
    container[700_000] = (container[700_000] as number) ^ 1;
    const cid = await node.client.add(once(container));
    const out = join(dir.path, "tampered.onnx");
    await assert.rejects(writeVerified({ store: node.client, cid, contentKey }, sha(model), out), {
      name: "DecryptionFailedError",
    });
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      (await readdir(dir.path)).filter((f) => f.includes("tampered")),
      [],
      "no temporary file left",
    );
  });

  test("a model whose sha256 differs from the chain's is refused and nothing is written", async () => {
    const model = randomBytes(200_000);
    const contentKey = generateContentKey();
    const { cid } = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model),
      contentKey,
    });
    const out = join(dir.path, "wrong-sha.onnx");
    const claimed = sha(randomBytes(8));
    const opened = { store: node.client, cid, contentKey };
    await assert.rejects(writeVerified(opened, claimed, out), (err: Error) => {
      assert.ok(err instanceof IntegrityError);
      assert.match(err.message, new RegExp(`chain records ${claimed}`));
      return true;
    });
    assert.equal(existsSync(out), false);
  });

  test("a wrong content key fails authentication", async () => {
    const model = randomBytes(100_000);
    const { cid } = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model),
      contentKey: generateContentKey(),
    });
    const opened = { store: node.client, cid, contentKey: generateContentKey() };
    await assert.rejects(writeVerified(opened, sha(model), join(dir.path, "wrong-key.onnx")), {
      name: "DecryptionFailedError",
    });
  });

  test("CIDs of sealed models are plain UnixFS files any gateway client can read", async () => {
    const model = randomBytes(64);
    const { cid } = await sealAndAdd({
      store: node.client,
      plaintext: bytesToStream(model),
      contentKey: generateContentKey(),
    });
    assert.equal(CID.parse(cid).version, 1);
    const bytes = await node.client.catBytes(cid);
    assert.equal(bytes.length, 32 + 64 + 16);
    assert.equal(Buffer.from(bytes.subarray(0, 4)).toString(), "NLEC");
  });
});
