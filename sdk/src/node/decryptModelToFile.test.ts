import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fromHex, type Hex } from "../crypto/bytes.ts";
import { encryptBytes, generateContentKey } from "../crypto/container.ts";
import { bytesToStream } from "../crypto/streams.ts";
import { randomBytes } from "../crypto/webcrypto.ts";
import { DecryptionFailedError, IntegrityError, InvalidOutputError } from "../errors.ts";
import { decryptModelToFile } from "./decryptModelToFile.ts";

describe("decryptModelToFile", () => {
  let dir: string;
  const model = randomBytes(300_000);
  const sha = createHash("sha256").update(model).digest("hex");
  const key = generateContentKey();
  let container: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nl-sdk-model-"));
    container = await encryptBytes(key, model, { chunkSize: 65536 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("writes the model when it authenticates and matches the chain's sha256", async () => {
    const out = join(dir, "model.onnx");
    const result = await decryptModelToFile({
      container: bytesToStream(container, 50_000),
      contentKey: key,
      expectedSha256: `0x${sha}`,
      out,
    });
    assert.deepEqual(result, { sha256: `0x${sha}`, bytes: model.length });
    assert.deepEqual(new Uint8Array(await readFile(out)), model);
  });

  it("leaves nothing behind on a hash mismatch or a tampered container", async () => {
    const mismatch = join(dir, "mismatch.onnx");
    await assert.rejects(
      decryptModelToFile({
        container: bytesToStream(container),
        contentKey: key,
        expectedSha256: "0".repeat(64),
        out: mismatch,
      }),
      IntegrityError,
    );
    const tampered = container.slice();
    tampered[100_000] = (tampered[100_000] as number) ^ 1;
    await assert.rejects(
      decryptModelToFile({
        container: bytesToStream(tampered),
        contentKey: key,
        expectedSha256: sha,
        out: join(dir, "tampered.onnx"),
      }),
      DecryptionFailedError,
    );
    assert.deepEqual(await readdir(dir), ["model.onnx"]);
  });
});

describe("decryptModelToFile on the decrypt-verified test vectors", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nl-sdk-vectors-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("writes exactly the authentic models and leaves no file (visible or hidden) otherwise", async () => {
    const vectors = JSON.parse(
      await readFile(
        new URL("../../test-vectors/decrypt-verified-v1.json", import.meta.url),
        "utf8",
      ),
    ) as {
      contentKey: Hex;
      cases: {
        name: string;
        contentKey?: Hex;
        container: Hex;
        expectedSha256: string;
        plaintext?: Hex;
        error?: string;
      }[];
    };
    const written: string[] = [];
    for (const [index, c] of vectors.cases.entries()) {
      const out = join(dir, `case-${index}.onnx`);
      const run = decryptModelToFile({
        container: bytesToStream(fromHex(c.container), 5),
        contentKey: fromHex(c.contentKey ?? vectors.contentKey),
        expectedSha256: c.expectedSha256,
        out,
      });
      if (c.error) {
        await assert.rejects(run, { name: c.error }, c.name);
      } else {
        await run;
        assert.deepEqual(new Uint8Array(await readFile(out)), fromHex(c.plaintext as Hex), c.name);
        written.push(`case-${index}.onnx`);
      }
      assert.deepEqual((await readdir(dir)).sort(), written.sort(), `after "${c.name}"`);
    }
  });

  it("refuses an output path in a missing folder before reading the container", async () => {
    let pulled = false;
    // highWaterMark 0: pull runs only when someone reads.
    const container = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    await assert.rejects(
      decryptModelToFile({
        container,
        contentKey: generateContentKey(),
        expectedSha256: "00",
        out: join(dir, "no", "such", "folder", "m.onnx"),
      }),
      (err: Error) => err instanceof InvalidOutputError && /does not exist/.test(err.message),
    );
    assert.equal(pulled, false);
  });
});
