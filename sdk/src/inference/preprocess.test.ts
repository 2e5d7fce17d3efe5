import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { preprocessImage } from "./preprocess.ts";
import { resizePlane } from "./resize.ts";

const spec = (size: number, mean = [0, 0, 0], std = [1, 1, 1]) => ({
  resize: { width: size, height: size },
  scale: 255 as const,
  mean,
  std,
});
const plane = (values: number[], width: number) => (y: number, x: number) =>
  values[y * width + x] as number;

describe("bilinear resize (torch align_corners=False)", () => {
  it("upsamples 2x2 to 4x4 as torch does", () => {
    const out = resizePlane(plane([0, 1, 2, 3], 2), 2, 2, 4, 4);
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), (4, 4), mode="bilinear", align_corners=False)
    assert.deepEqual(
      Array.from(out),
      [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3],
    );
  });

  it("downsamples 4 to 2 by averaging neighbours (no antialias) and keeps identity sizes", () => {
    assert.deepEqual(Array.from(resizePlane(plane([0, 10, 20, 30], 4), 4, 1, 2, 1)), [5, 25]);
    // 3 -> 2: src = 1.5 * (i + 0.5) - 0.5 = 0.25, 1.75
    assert.deepEqual(Array.from(resizePlane(plane([0, 100, 200], 3), 3, 1, 2, 1)), [25, 175]);
    const values = Array.from({ length: 12 }, (_, i) => i * 7);
    assert.deepEqual(Array.from(resizePlane(plane(values, 4), 4, 3, 4, 3)), values);
  });
});

describe("preprocessImage", () => {
  it("normalises per channel and lays out NCHW", () => {
    const rgb = { width: 1, height: 1, data: Uint8Array.of(255, 0, 51) };
    const out = preprocessImage(rgb, spec(2, [0.5, 0.5, 0.2], [0.5, 0.25, 0.2]));
    assert.equal(out.length, 12);
    assert.deepEqual(Array.from(out.subarray(0, 4)), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(out.subarray(4, 8)), [-2, -2, -2, -2]);
    for (const v of out.subarray(8, 12)) assert.ok(Math.abs(v) < 1e-6);
  });

  it("replicates gray, drops alpha without compositing", () => {
    const gray = { width: 2, height: 1, data: Uint8Array.of(10, 200) };
    const grayAlpha = { width: 2, height: 1, data: Uint8Array.of(10, 0, 200, 255) };
    const rgba = { width: 2, height: 1, data: Uint8Array.of(10, 10, 10, 0, 200, 200, 200, 7) };
    const expected = preprocessImage(
      { width: 2, height: 1, data: Uint8Array.of(10, 10, 10, 200, 200, 200) },
      spec(3),
    );
    assert.deepEqual(preprocessImage(gray, spec(3)), expected);
    assert.deepEqual(preprocessImage(grayAlpha, spec(3)), expected);
    assert.deepEqual(preprocessImage(rgba, spec(3)), expected);
  });

  it("refuses pixel data that does not match the size", () => {
    assert.throws(
      () => preprocessImage({ width: 3, height: 3, data: new Uint8Array(10) }, spec(2)),
      InvalidInputError,
    );
    assert.throws(
      () => preprocessImage({ width: 0, height: 3, data: new Uint8Array(0) }, spec(2)),
      /Invalid image size/,
    );
    assert.throws(
      () =>
        preprocessImage({ width: 2, height: 2, data: new Uint8Array(12), channels: 4 }, spec(2)),
      /Expected 16 bytes/,
    );
  });
});
