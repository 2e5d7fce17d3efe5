import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DecryptionFailedError, InvalidContainerError, InvalidKeyError } from "../errors.ts";
import { decryptBytes, encryptBytes, generateContentKey } from "./container.ts";
import {
  CONTAINER_HEADER_BYTES,
  decryptedSize,
  encryptedSize,
  parseHeader,
} from "./containerFormat.ts";
import { createDecryptStream } from "./decryptStream.ts";
import { createEncryptStream, type StreamProgress } from "./encryptStream.ts";
import { bytesToStream, streamToBytes } from "./streams.ts";
import { randomBytes } from "./webcrypto.ts";

const chunkSize = 64;

async function sealed(plaintext: Uint8Array, key = generateContentKey()) {
  const container = await encryptBytes(key, plaintext, { chunkSize });
  return { key, container };
}

describe("encrypted container", () => {
  it("round-trips every size around chunk boundaries, fed in odd slices", async () => {
    const key = generateContentKey();
    for (const size of [0, 1, 63, 64, 65, 127, 128, 129, 1000]) {
      const plaintext = randomBytes(size);
      const container = await streamToBytes(
        bytesToStream(plaintext, 7).pipeThrough(createEncryptStream(key, { chunkSize })),
      );
      assert.equal(container.length, encryptedSize(size, chunkSize), `size ${size}`);
      assert.equal(decryptedSize(container.length, chunkSize), size);
      const opened = await streamToBytes(
        bytesToStream(container, 13).pipeThrough(createDecryptStream(key)),
      );
      assert.deepEqual(opened, plaintext, `size ${size}`);
    }
  });

  it("gives the same container whether input comes in whole chunks, several at once, or odd slices", async () => {
    // Whole-chunk slices are sealed from views of the input (no copy); the bytes must not differ.
    const key = generateContentKey();
    const salt = randomBytes(16);
    for (const size of [64, 128, 200, 1000]) {
      const plaintext = randomBytes(size);
      const containers: Uint8Array[] = [];
      for (const slice of [chunkSize, 2 * chunkSize + 5, 7]) {
        containers.push(
          await streamToBytes(
            bytesToStream(plaintext, slice).pipeThrough(
              createEncryptStream(key, { chunkSize, salt }),
            ),
          ),
        );
      }
      assert.deepEqual(containers[0], containers[2], `size ${size}: whole chunks vs odd slices`);
      assert.deepEqual(containers[1], containers[2], `size ${size}: several chunks vs odd slices`);
      for (const slice of [chunkSize + 16, 3 * (chunkSize + 16), 11]) {
        const opened = await streamToBytes(
          bytesToStream(containers[0] as Uint8Array, slice).pipeThrough(createDecryptStream(key)),
        );
        assert.deepEqual(opened, plaintext, `size ${size}, opened in slices of ${slice}`);
      }
    }
  });

  it("writes a header with magic, version, chunk size and a fresh salt each time", async () => {
    const key = generateContentKey();
    const a = await encryptBytes(key, randomBytes(10), { chunkSize });
    const b = await encryptBytes(key, randomBytes(10), { chunkSize });
    const header = parseHeader(a);
    assert.equal(new TextDecoder().decode(a.subarray(0, 4)), "NLEC");
    assert.equal(header.version, 1);
    assert.equal(header.chunkSize, chunkSize);
    assert.notDeepEqual(header.salt, parseHeader(b).salt);
  });

  it("reports progress per chunk", async () => {
    const reports: StreamProgress[] = [];
    const key = generateContentKey();
    const container = await encryptBytes(key, randomBytes(200), {
      chunkSize,
      totalInputBytes: 200,
      onProgress: (p) => reports.push(p),
    });
    assert.equal(reports.length, 4);
    assert.equal(reports.at(-1)?.outputBytes, container.length);
    assert.equal(reports.at(-1)?.totalInputBytes, 200);
    const decryptReports: StreamProgress[] = [];
    await decryptBytes(key, container, { onProgress: (p) => decryptReports.push(p) });
    assert.deepEqual(
      decryptReports.map((p) => p.outputBytes),
      [64, 128, 192, 200],
    );
  });

  it("detects a flipped bit in any chunk, tag or header", async () => {
    const { key, container } = await sealed(randomBytes(150));
    for (const position of [
      5,
      8,
      20,
      CONTAINER_HEADER_BYTES + 1,
      CONTAINER_HEADER_BYTES + 70,
      container.length - 1,
    ]) {
      const tampered = container.slice();
      tampered[position] = (tampered[position] as number) ^ 1;
      await assert.rejects(
        decryptBytes(key, tampered),
        (error: unknown) => {
          return error instanceof DecryptionFailedError || error instanceof InvalidContainerError;
        },
        `position ${position}`,
      );
    }
  });

  it("detects truncation at a chunk boundary and inside a chunk", async () => {
    const { key, container } = await sealed(randomBytes(150));
    const segment = chunkSize + 16;
    for (const length of [
      CONTAINER_HEADER_BYTES,
      CONTAINER_HEADER_BYTES + segment,
      CONTAINER_HEADER_BYTES + 2 * segment,
      container.length - 1,
      CONTAINER_HEADER_BYTES + 10,
    ]) {
      await assert.rejects(
        decryptBytes(key, container.subarray(0, length)),
        DecryptionFailedError,
        `length ${length}`,
      );
    }
    await assert.rejects(decryptBytes(key, container.subarray(0, 20)), InvalidContainerError);
  });

  it("detects reordered chunks and appended data", async () => {
    const { key, container } = await sealed(randomBytes(128 + 30));
    const segment = chunkSize + 16;
    const h = CONTAINER_HEADER_BYTES;
    const swapped = new Uint8Array(container);
    swapped.set(container.subarray(h + segment, h + 2 * segment), h);
    swapped.set(container.subarray(h, h + segment), h + segment);
    await assert.rejects(decryptBytes(key, swapped), DecryptionFailedError);
    const extended = new Uint8Array(container.length + 16);
    extended.set(container);
    await assert.rejects(decryptBytes(key, extended), DecryptionFailedError);
  });

  it("detects a chunk spliced in from another file under the same key", async () => {
    const key = generateContentKey();
    const a = await encryptBytes(key, randomBytes(100), { chunkSize });
    const b = await encryptBytes(key, randomBytes(100), { chunkSize });
    const spliced = a.slice();
    spliced.set(
      b.subarray(CONTAINER_HEADER_BYTES, CONTAINER_HEADER_BYTES + chunkSize + 16),
      CONTAINER_HEADER_BYTES,
    );
    await assert.rejects(decryptBytes(key, spliced), DecryptionFailedError);
  });

  it("refuses the wrong key, a non-container and bad parameters with clear errors", async () => {
    const { container } = await sealed(randomBytes(10));
    await assert.rejects(decryptBytes(generateContentKey(), container), DecryptionFailedError);
    await assert.rejects(
      decryptBytes(generateContentKey(), randomBytes(100)),
      /magic bytes "NLEC"/,
    );
    assert.throws(() => createEncryptStream(new Uint8Array(16)), InvalidKeyError);
    assert.throws(
      () => createEncryptStream(generateContentKey(), { chunkSize: 3 }),
      InvalidContainerError,
    );
  });
});
