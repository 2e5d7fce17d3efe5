import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encryptBytes, generateContentKey } from "../crypto/container.ts";
import { bytesToStream } from "../crypto/streams.ts";
import { randomBytes } from "../crypto/webcrypto.ts";
import { DecryptionFailedError, IntegrityError } from "../errors.ts";
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
