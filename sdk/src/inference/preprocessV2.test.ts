import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors.ts";
import { seededRandom } from "../testing/seededRandom.ts";
import { areaResizePlane } from "./areaResize.ts";
import { findHeadCrop } from "./headCrop.ts";
import { type PreprocessingV2Spec, prepareInput, preprocessImage } from "./preprocess.ts";
import type { RawImage } from "./rawImage.ts";

const v2 = (size: number, clip = 5): PreprocessingV2Spec => ({
  version: 2,
  resize: { width: size, height: size },
  normalize: { clip },
});

/** A grey image: black, with a bright noisy rectangle (the "head") and optional single-pixel specks. */
function headImage(
  width: number,
  height: number,
  head: { x0: number; y0: number; x1: number; y1: number },
  specks: [number, number][] = [],
  seed = 1,
): RawImage {
  const next = seededRandom(seed);
  const data = new Uint8Array(width * height);
  for (let y = head.y0; y <= head.y1; y++)
    for (let x = head.x0; x <= head.x1; x++) data[y * width + x] = 60 + Math.floor(next() * 190);
  for (const [x, y] of specks) data[y * width + x] = 255;
  return { width, height, data, channels: 1 };
}

/** Docs/interfaces.md section 2, version 2, written the slow obvious way (float64). */
function referenceV2(image: RawImage, size: number, clip: number): Float64Array {
  const { width: w, height: h } = image;
  const ch = image.channels ?? 1;
  const s = (x: number, y: number) => {
    const i = (y * w + x) * ch;
    return ch >= 3
      ? (image.data[i] as number) + (image.data[i + 1] as number) + (image.data[i + 2] as number)
      : 3 * (image.data[i] as number);
  };
  let m = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m = Math.max(m, s(x, y));
  const fg = (x: number, y: number) => 10 * s(x, y) > m;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let y = 0; y < h; y++) {
    let n = 0;
    for (let x = 0; x < w; x++) if (fg(x, y)) n++;
    if (n >= Math.max(1, Math.floor(w / 100))) rows.push(y);
  }
  for (let x = 0; x < w; x++) {
    let n = 0;
    for (let y = 0; y < h; y++) if (fg(x, y)) n++;
    if (n >= Math.max(1, Math.floor(h / 100))) cols.push(x);
  }
  let [x0, y0, x1, y1] = [0, 0, w - 1, h - 1];
  if (m > 0 && rows.length && cols.length) {
    [y0, y1] = [rows[0] as number, rows.at(-1) as number];
    [x0, x1] = [cols[0] as number, cols.at(-1) as number];
  }
  const side = Math.max(y1 - y0 + 1, x1 - x0 + 1);
  const ox = Math.floor((side - (x1 - x0 + 1)) / 2);
  const oy = Math.floor((side - (y1 - y0 + 1)) / 2);
  const canvas = new Float64Array(side * side);
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) canvas[(y - y0 + oy) * side + (x - x0 + ox)] = s(x, y) / 3;
  const map = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const [r0, r1] = [Math.floor((i * side) / size), Math.ceil(((i + 1) * side) / size)];
      const [c0, c1] = [Math.floor((j * side) / size), Math.ceil(((j + 1) * side) / size)];
      let total = 0;
      for (let r = r0; r < r1; r++)
        for (let c = c0; c < c1; c++) total += canvas[r * side + c] as number;
      map[i * size + j] = total / ((r1 - r0) * (c1 - c0));
    }
  let head = Array.from(map).filter((v) => v > m / 30);
  if (head.length < 16) head = Array.from(map);
  const mu = head.reduce((a, b) => a + b, 0) / head.length;
  const sigma = Math.sqrt(head.reduce((a, b) => a + (b - mu) ** 2, 0) / head.length);
  return map.map((v) => Math.min(clip, Math.max(-clip, (v - mu) / Math.max(sigma, 1e-6))));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

describe("area resize (torch adaptive_avg_pool2d)", () => {
  it("averages exactly the windows floor(i n / S) .. ceil((i + 1) n / S) - 1, also when they overlap", () => {
    const next = seededRandom(7);
    for (const [w, h, ow, oh] of [
      [37, 23, 8, 5],
      [300, 300, 256, 256],
      [5, 5, 5, 5],
      [3, 7, 4, 9],
    ] as const) {
      const values = Array.from({ length: w * h }, () => Math.floor(next() * 766) / 3);
      const out = areaResizePlane({ data: Float32Array.from(values), width: w, height: h }, ow, oh);
      let worst = 0;
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const [r0, r1] = [Math.floor((i * h) / oh), Math.ceil(((i + 1) * h) / oh)];
          const [c0, c1] = [Math.floor((j * w) / ow), Math.ceil(((j + 1) * w) / ow)];
          let total = 0;
          for (let r = r0; r < r1; r++)
            for (let c = c0; c < c1; c++) total += values[r * w + c] as number;
          const expected = total / ((r1 - r0) * (c1 - c0));
          worst = Math.max(
            worst,
            Math.abs((out[i * ow + j] as number) - expected) / Math.max(1, expected),
          );
        }
      assert.ok(worst < 1e-5, `${w}x${h} -> ${ow}x${oh}: relative error ${worst}`);
    }
    // 4 -> 3: windows [0, 2), [1, 3), [2, 4) overlap
    assert.deepEqual(
      Array.from(areaResizePlane({ data: Float32Array.of(0, 3, 6, 9), width: 4, height: 1 }, 3, 1)),
      [1.5, 4.5, 7.5],
    );
  });

  it("pools a plane pasted into a canvas of zeros exactly as the built canvas", () => {
    const next = seededRandom(11);
    const source = {
      data: Float32Array.from({ length: 13 * 6 }, () => next() * 255),
      width: 13,
      height: 6,
    };
    const canvas = new Float32Array(13 * 13);
    for (let y = 0; y < 6; y++)
      canvas.set(source.data.subarray(y * 13, (y + 1) * 13), (y + 3) * 13);
    assert.deepEqual(
      areaResizePlane(source, 5, 5, { width: 13, height: 13, offsetX: 0, offsetY: 3 }),
      areaResizePlane({ data: canvas, width: 13, height: 13 }, 5, 5),
    );
  });
});

describe("head crop (preprocessing v2 steps 3-5)", () => {
  it("boxes the head inside a black border and ignores a speck too thin to make a row", () => {
    const image = headImage(300, 200, { x0: 50, y0: 30, x1: 249, y1: 159 }, [
      [5, 190],
      [295, 3],
    ]);
    const crop = findHeadCrop(image);
    assert.deepEqual([crop.x0, crop.y0, crop.x1, crop.y1], [50, 30, 249, 159]);
    // 200 wide, 130 tall: the square is 200, the crop sits 35 rows down.
    assert.deepEqual(crop.region, { left: 50, top: -5, width: 200, height: 200 });
  });

  it("a speck counts where one pixel makes a row (images under 200 pixels wide)", () => {
    const crop = findHeadCrop(headImage(150, 150, { x0: 40, y0: 40, x1: 99, y1: 99 }, [[140, 5]]));
    assert.deepEqual([crop.x0, crop.y0, crop.x1, crop.y1], [40, 5, 140, 99]);
  });

  it("squares a tall head: the region reaches past the image's left edge", () => {
    const crop = findHeadCrop(headImage(40, 100, { x0: 0, y0: 0, x1: 39, y1: 99 }));
    assert.deepEqual(crop.region, { left: -30, top: 0, width: 100, height: 100 });
  });

  it("keeps the whole image when it is black", () => {
    const crop = findHeadCrop({ width: 7, height: 3, data: new Uint8Array(21), channels: 1 });
    assert.deepEqual(crop.region, { left: 0, top: -2, width: 7, height: 7 });
    assert.equal(crop.max, 0);
  });
});

describe("preprocessImage version 2", () => {
  it("matches the spec written out in float64 (crop, square, area resize, standardise, clip)", () => {
    const cases: [RawImage, number][] = [
      [headImage(300, 200, { x0: 50, y0: 30, x1: 249, y1: 159 }, [[5, 190]]), 64],
      [headImage(40, 100, { x0: 3, y0: 0, x1: 36, y1: 99 }, [], 3), 32],
      [headImage(123, 77, { x0: 10, y0: 5, x1: 110, y1: 70 }, [], 4), 256],
      [{ width: 9, height: 9, data: new Uint8Array(81), channels: 1 }, 4],
    ];
    for (const [image, size] of cases) {
      const { input, region } = prepareInput(image, v2(size));
      assert.equal(input.length, 3 * size * size);
      const plane = input.subarray(0, size * size);
      assert.deepEqual(input.subarray(size * size, 2 * size * size), plane, "G = R");
      assert.deepEqual(input.subarray(2 * size * size), plane, "B = R");
      const diff = maxDiff(plane, referenceV2(image, size, 5));
      assert.ok(diff <= 1e-4, `${image.width}x${image.height} -> ${size}: max |diff| ${diff}`);
      assert.equal(region.width, region.height);
    }
  });

  it("standardises inside the head: mean 0, std 1 there; clips at the card's clip", () => {
    const image = headImage(200, 200, { x0: 20, y0: 20, x1: 179, y1: 179 }, [], 9);
    const input = preprocessImage(image, v2(64));
    const values = Array.from(input.subarray(0, 64 * 64));
    const head = values.filter((_, i) => {
      const [y, x] = [Math.floor(i / 64), i % 64];
      return y >= 7 && y < 57 && x >= 7 && x < 57;
    });
    const mean = head.reduce((a, b) => a + b, 0) / head.length;
    assert.ok(Math.abs(mean) < 0.05, `head mean ${mean}`);
    const clipped = preprocessImage(image, v2(64, 0.5));
    assert.equal(Math.max(...clipped), 0.5);
    assert.equal(Math.min(...clipped), -0.5);
  });

  it("does not depend on colour vs grey encoding or on the border around the head", () => {
    const grey = headImage(120, 100, { x0: 10, y0: 20, x1: 109, y1: 79 });
    const rgba = { width: 120, height: 100, data: new Uint8Array(120 * 100 * 4) };
    for (let p = 0; p < 120 * 100; p++) {
      rgba.data.fill(grey.data[p] as number, p * 4, p * 4 + 3);
      rgba.data[p * 4 + 3] = 17;
    }
    assert.deepEqual(preprocessImage(rgba, v2(32)), preprocessImage(grey, v2(32)));
    // The same head with a wider black border gives the same input.
    const wide = { width: 200, height: 160, data: new Uint8Array(200 * 160), channels: 1 as const };
    for (let y = 0; y < 100; y++)
      wide.data.set(grey.data.subarray(y * 120, (y + 1) * 120), (y + 30) * 200 + 40);
    assert.deepEqual(preprocessImage(wide, v2(32)), preprocessImage(grey, v2(32)));
    assert.deepEqual(prepareInput(wide, v2(32)).region, {
      left: 50,
      top: 30,
      width: 100,
      height: 100,
    });
  });

  it("refuses a non-square size, a bad clip, an unknown version", () => {
    const image = headImage(10, 10, { x0: 0, y0: 0, x1: 9, y1: 9 });
    assert.throws(
      () => prepareInput(image, { ...v2(8), resize: { width: 8, height: 6 } }),
      /square input size/,
    );
    assert.throws(() => prepareInput(image, v2(8, 0)), InvalidInputError);
    assert.throws(
      // biome-ignore lint/suspicious/noExplicitAny: an invalid spec on purpose.
      () => prepareInput(image, { ...v2(8), version: 3 } as any),
      /Unknown preprocessing version 3/,
    );
  });
});
