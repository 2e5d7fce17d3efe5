import { InvalidInputError } from "../errors.ts";
import type { Region } from "./headCrop.ts";
import { imageChannels, type RawImage } from "./rawImage.ts";
import { bilinearAxis, resizePlane } from "./resize.ts";

/**
 * A map of values in [0, 1], row-major (`width x height` cells). `region`, when present, is the
 * part of the image the grid covers (image pixels; card v2 models: the square around the head);
 * without it the grid covers the whole image.
 */
export type Heatmap = {
  width: number;
  height: number;
  data: Float32Array;
  region?: Region;
};

/** RGBA pixels, like a browser `ImageData`. */
export type RgbaImage = {
  width: number;
  height: number;
  data: Uint8ClampedArray;
};

/**
 * The heatmap method (documented in the README): the channel mean of the `features` output
 * (`[1, C, h, w]`, the last conv block after ReLU and max-pool), min-max normalised to [0, 1].
 * A flat map (max = min) becomes all zeros. This is a class-agnostic activation map: it shows
 * where the network's last features fire, and it needs nothing but the exported outputs.
 */
export function heatmapFromFeatures(
  features: Float32Array,
  dims: readonly number[],
  region?: Region,
): Heatmap {
  if (dims.length !== 4 || dims[0] !== 1) {
    throw new InvalidInputError(
      `Expected features of shape [1, C, h, w], got [${dims.join(", ")}].`,
    );
  }
  const [, channels, height, width] = dims as [number, number, number, number];
  const plane = height * width;
  if (features.length !== channels * plane) {
    throw new InvalidInputError(
      `Features hold ${features.length} values, expected ${channels * plane}.`,
    );
  }
  const mean = new Float32Array(plane);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++)
      mean[i] = (mean[i] as number) + (features[c * plane + i] as number);
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < plane; i++) {
    const v = (mean[i] as number) / channels;
    mean[i] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  for (let i = 0; i < plane; i++) mean[i] = range > 0 ? ((mean[i] as number) - min) / range : 0;
  return region ? { width, height, data: mean, region } : { width, height, data: mean };
}

/** Bilinear upsampling (half-pixel centres, as the preprocessing resize) to the image's size, clamped to [0, 1]. */
export function resizeHeatmap(heatmap: Heatmap, width: number, height: number): Heatmap {
  const data = resizePlane(
    (y, x) => heatmap.data[y * heatmap.width + x] as number,
    heatmap.width,
    heatmap.height,
    width,
    height,
  );
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i] as number));
  return { width, height, data };
}

// "Jet"-like colour stops: blue for low activation, through cyan and yellow, to red for high.
const STOPS: readonly [number, number, number, number][] = [
  [0, 0, 0, 143],
  [0.125, 0, 0, 255],
  [0.375, 0, 255, 255],
  [0.625, 255, 255, 0],
  [0.875, 255, 0, 0],
  [1, 128, 0, 0],
];

/** The colour of a value in [0, 1] on the heatmap's colour scale. */
export function heatmapColor(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, value));
  for (let i = 1; i < STOPS.length; i++) {
    const [p1, r1, g1, b1] = STOPS[i] as [number, number, number, number];
    if (v <= p1) {
      const [p0, r0, g0, b0] = STOPS[i - 1] as [number, number, number, number];
      const t = (v - p0) / (p1 - p0);
      return [
        Math.round(r0 + (r1 - r0) * t),
        Math.round(g0 + (g1 - g0) * t),
        Math.round(b0 + (b1 - b0) * t),
      ];
    }
  }
  return [128, 0, 0];
}

export type HeatmapOverlayParameters = {
  /** Opacity at the highest activation (default 0.6); alpha scales with the value, so quiet areas stay clear. */
  opacity?: number;
};

// The colour scale sampled at 256 levels, so rendering a large overlay is a table lookup per pixel.
let colorTable: Uint8Array | undefined;
function colorLookup(): Uint8Array {
  if (!colorTable) {
    colorTable = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) colorTable.set(heatmapColor(i / 255), i * 3);
  }
  return colorTable;
}

/** Renders a heatmap as a transparent RGBA overlay (alpha = 255 * opacity * value). */
export function heatmapToRgba(
  heatmap: Heatmap,
  parameters: HeatmapOverlayParameters = {},
): RgbaImage {
  const opacity = parameters.opacity ?? 0.6;
  const table = colorLookup();
  const data = new Uint8ClampedArray(heatmap.width * heatmap.height * 4);
  for (let i = 0; i < heatmap.data.length; i++) {
    const v = Math.min(1, Math.max(0, heatmap.data[i] as number));
    const level = Math.round(v * 255) * 3;
    data[i * 4] = table[level] as number;
    data[i * 4 + 1] = table[level + 1] as number;
    data[i * 4 + 2] = table[level + 2] as number;
    data[i * 4 + 3] = Math.round(255 * opacity * v);
  }
  return { width: heatmap.width, height: heatmap.height, data };
}

/**
 * The heatmap laid on a `width x height` image: the grid upsampled bilinearly (half-pixel
 * centres, edges clamped) onto its region; image pixels outside the region get 0.
 */
export function heatmapOnImage(heatmap: Heatmap, width: number, height: number): Heatmap {
  const region = heatmap.region ?? { left: 0, top: 0, width, height };
  const coversImage =
    region.left === 0 && region.top === 0 && region.width === width && region.height === height;
  if (coversImage) {
    return heatmap.width === width && heatmap.height === height
      ? { width, height, data: heatmap.data }
      : resizeHeatmap(heatmap, width, height);
  }
  const xs = bilinearAxis(heatmap.width, region.width);
  const ys = bilinearAxis(heatmap.height, region.height);
  const grid = heatmap.data;
  const gw = heatmap.width;
  const data = new Float32Array(width * height);
  const xStart = Math.max(0, region.left);
  const xEnd = Math.min(width, region.left + region.width);
  for (let y = Math.max(0, region.top); y < Math.min(height, region.top + region.height); y++) {
    const r = y - region.top;
    const row0 = (ys.index0[r] as number) * gw;
    const row1 = (ys.index1[r] as number) * gw;
    const h0 = ys.weight0[r] as number;
    const h1 = ys.weight1[r] as number;
    for (let x = xStart; x < xEnd; x++) {
      const c = x - region.left;
      const x0 = xs.index0[c] as number;
      const x1 = xs.index1[c] as number;
      const w0 = xs.weight0[c] as number;
      const w1 = xs.weight1[c] as number;
      const top = w0 * (grid[row0 + x0] as number) + w1 * (grid[row0 + x1] as number);
      const bottom = w0 * (grid[row1 + x0] as number) + w1 * (grid[row1 + x1] as number);
      data[y * width + x] = Math.min(1, Math.max(0, h0 * top + h1 * bottom));
    }
  }
  return { width, height, data };
}

/**
 * Blends the heatmap (laid on the image through its region) over the image: an opaque RGBA
 * picture to show or save.
 */
export function overlayHeatmap(
  image: RawImage,
  heatmap: Heatmap,
  parameters: HeatmapOverlayParameters = {},
): RgbaImage {
  const channels = imageChannels(image);
  const sized = heatmapOnImage(heatmap, image.width, image.height);
  const overlay = heatmapToRgba(sized, parameters);
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p++) {
    const alpha = (overlay.data[p * 4 + 3] as number) / 255;
    for (let c = 0; c < 3; c++) {
      const base = image.data[p * channels + (channels >= 3 ? c : 0)] as number;
      out[p * 4 + c] = base * (1 - alpha) + (overlay.data[p * 4 + c] as number) * alpha;
    }
    out[p * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}
