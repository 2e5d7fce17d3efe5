/**
 * Steps 2-5 of preprocessing version 2 (docs/interfaces.md section 2): the grey plane, the head's
 * bounding box (foreground rows and columns), and the square region the model input covers.
 */
import { imageChannels, type RawImage } from "./rawImage.ts";

/**
 * The part of the image that the model input (and so the heatmap grid) covers, in pixels of the
 * original image, origin top left. Version 2: a square (`width = height = size`) that may reach
 * past the image where the padding is; version 1: the whole image.
 */
export type Region = { left: number; top: number; width: number; height: number };

export type HeadCrop = {
  /** `R + G + B` per pixel (0..765), row-major `width x height`. */
  sum: Uint16Array;
  /** `max(sum)`. */
  max: number;
  /** Inclusive head box. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Side of the square canvas, and where the crop sits in it. */
  size: number;
  offsetX: number;
  offsetY: number;
  region: Region;
};

/** `R + G + B` of every pixel (gray replicated, alpha dropped), as 8-bit RGB decoding gives it. */
export function channelSums(image: RawImage): Uint16Array {
  const channels = imageChannels(image);
  const { width, height, data } = image;
  const sums = new Uint16Array(width * height);
  if (channels >= 3) {
    for (let p = 0, i = 0; p < sums.length; p++, i += channels)
      sums[p] = (data[i] as number) + (data[i + 1] as number) + (data[i + 2] as number);
  } else {
    for (let p = 0, i = 0; p < sums.length; p++, i += channels) sums[p] = 3 * (data[i] as number);
  }
  return sums;
}

/**
 * Finds the head box: a pixel is foreground iff `10 * s > max(s)`; a row is on iff it holds at
 * least `max(1, floor(W / 100))` foreground pixels, a column iff at least `max(1, floor(H / 100))`.
 * A black image, or one without an on row or column, keeps the whole image. Then squares it.
 */
export function findHeadCrop(image: RawImage): HeadCrop {
  const { width, height } = image;
  const sum = channelSums(image);
  const max = maxOf(sum);
  const box = max > 0 ? foregroundBox(sum, width, height, max) : undefined;
  const [x0, y0, x1, y1] = box ?? [0, 0, width - 1, height - 1];
  const h = y1 - y0 + 1;
  const w = x1 - x0 + 1;
  const size = Math.max(h, w);
  const offsetX = Math.floor((size - w) / 2);
  const offsetY = Math.floor((size - h) / 2);
  return {
    sum,
    max,
    x0,
    y0,
    x1,
    y1,
    size,
    offsetX,
    offsetY,
    region: { left: x0 - offsetX, top: y0 - offsetY, width: size, height: size },
  };
}

function maxOf(values: Uint16Array): number {
  let max = 0;
  for (let p = 0; p < values.length; p++) {
    const v = values[p] as number;
    if (v > max) max = v;
  }
  return max;
}

/**
 * `[x0, y0, x1, y1]` of the on rows and columns of the `width` x `height` channel sums whose
 * maximum is `max` (> 0); undefined when no row or no column is on.
 */
function foregroundBox(
  sum: Uint16Array,
  width: number,
  height: number,
  max: number,
): [number, number, number, number] | undefined {
  const rowCounts = new Uint32Array(height);
  const columnCounts = new Uint32Array(width);
  // Foreground iff 10 s > M, i.e. s > floor(M / 10) (integers).
  const cut = Math.floor(max / 10);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < width; x++) {
      if ((sum[row + x] as number) > cut) {
        count++;
        columnCounts[x] = (columnCounts[x] as number) + 1;
      }
    }
    rowCounts[y] = count;
  }
  const rows = onRange(rowCounts, Math.max(1, Math.floor(width / 100)));
  const columns = onRange(columnCounts, Math.max(1, Math.floor(height / 100)));
  if (!rows || !columns) return undefined;
  return [columns[0], rows[0], columns[1], rows[1]];
}

/** First and last index whose count reaches `need`, or undefined when none does. */
function onRange(counts: Uint32Array, need: number): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < counts.length; i++) {
    if ((counts[i] as number) >= need) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? undefined : [first, last];
}
