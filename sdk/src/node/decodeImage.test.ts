import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { encryptBytes, generateContentKey } from "../crypto/container.ts";
import { createDecryptStream } from "../crypto/decryptStream.ts";
import { bytesToStream } from "../crypto/streams.ts";
import {
  DecryptionFailedError,
  ImageDecodeError,
  ImageTooLargeError,
  InvalidModelError,
} from "../errors.ts";
import { decodeImage, sniffImageFormat } from "./decodeImage.ts";
import { encodePng } from "./encodePng.ts";
import { readImageFile, writeStreamAtomically } from "./files.ts";
import { createNodeRuntime } from "./onnxRuntime.ts";

function png(
  width: number,
  height: number,
  colorType: 0 | 2 | 4 | 6,
  pixel: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const image = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) image.data.set(pixel(x, y), (y * width + x) * 4);
  return new Uint8Array(
    PNG.sync.write(image, { colorType, inputColorType: 6, inputHasAlpha: true }),
  );
}

describe("decodeImage", () => {
  it("decodes RGB, gray and gray+alpha PNGs to RGBA with the alpha untouched", () => {
    const rgb = decodeImage(png(3, 2, 2, (x, y) => [x * 50, y * 60, 7, 255]));
    assert.deepEqual([rgb.width, rgb.height, rgb.channels], [3, 2, 4]);
    assert.deepEqual(Array.from(rgb.data.subarray(4 * 5, 4 * 6)), [100, 60, 7, 255]);
    const gray = decodeImage(png(2, 1, 0, (x) => [x * 90, x * 90, x * 90, 255]));
    assert.deepEqual(Array.from(gray.data), [0, 0, 0, 255, 90, 90, 90, 255]);
    const grayAlpha = decodeImage(png(1, 1, 4, () => [33, 33, 33, 10]));
    assert.deepEqual(Array.from(grayAlpha.data), [33, 33, 33, 10]);
  });

  it("decodes JPEG to RGB", () => {
    const data = Buffer.alloc(8 * 8 * 4, 128);
    const encoded = jpeg.encode({ width: 8, height: 8, data }, 95).data;
    assert.equal(sniffImageFormat(encoded), "jpeg");
    const image = decodeImage(encoded);
    assert.deepEqual(
      [image.width, image.height, image.channels, image.data.length],
      [8, 8, 3, 192],
    );
    assert.ok(Math.abs((image.data[0] as number) - 128) <= 2);
  });

  it("refuses unknown formats, corrupt files and huge images with clear errors", () => {
    assert.throws(
      () => decodeImage(new TextEncoder().encode("GIF89a....")),
      (e: unknown) => e instanceof ImageDecodeError && /only PNG and JPEG/.test(e.message),
    );
    const valid = png(4, 4, 2, () => [1, 2, 3, 255]);
    assert.throws(() => decodeImage(valid.subarray(0, valid.length - 20)), ImageDecodeError);
    assert.throws(() => decodeImage(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0)), ImageDecodeError);
    // A PNG whose header claims 100000 x 100000 pixels is refused before any decoding.
    const huge = valid.slice();
    const view = new DataView(huge.buffer);
    view.setUint32(16, 100_000);
    view.setUint32(20, 100_000);
    assert.throws(() => decodeImage(huge), ImageTooLargeError);
    assert.throws(() => decodeImage(valid, { maxPixels: 10 }), /too large: 4x4/);
    const bigJpeg = jpeg.encode(
      { width: 64, height: 64, data: Buffer.alloc(64 * 64 * 4) },
      50,
    ).data;
    assert.throws(() => decodeImage(bigJpeg, { maxPixels: 1000 }), ImageTooLargeError);
  });

  it("round-trips an overlay through encodePng", () => {
    const rgba = { width: 2, height: 1, data: Uint8ClampedArray.of(1, 2, 3, 255, 4, 5, 6, 128) };
    const decoded = decodeImage(encodePng(rgba));
    assert.deepEqual(Array.from(decoded.data), Array.from(rgba.data));
  });
});

describe("node file helpers", () => {
  it("reads image files, writes atomically and leaves no partial file on failure", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nl-sdk-"));
    try {
      await writeFile(
        join(dir, "a.png"),
        png(2, 2, 2, () => [9, 9, 9, 255]),
      );
      assert.equal((await readImageFile(join(dir, "a.png"))).width, 2);
      await assert.rejects(readImageFile(join(dir, "a.png"), { maxFileBytes: 10 }), /too large/);
      await assert.rejects(readImageFile(join(dir, "missing.png")), /Cannot read the image file/);

      const key = generateContentKey();
      const container = await encryptBytes(key, new Uint8Array(1000).fill(5), { chunkSize: 64 });
      await writeStreamAtomically(
        bytesToStream(container, 100).pipeThrough(createDecryptStream(key)),
        join(dir, "ok.bin"),
      );
      container[container.length - 1] = (container[container.length - 1] as number) ^ 1;
      await assert.rejects(
        writeStreamAtomically(
          bytesToStream(container, 100).pipeThrough(createDecryptStream(key)),
          join(dir, "bad.bin"),
        ),
        DecryptionFailedError,
      );
      assert.deepEqual((await readdir(dir)).sort(), ["a.png", "ok.bin"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a file that is not ONNX", async () => {
    await assert.rejects(
      createNodeRuntime(new TextEncoder().encode("not a model")),
      InvalidModelError,
    );
  });
});
