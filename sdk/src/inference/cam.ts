/**
 * The class-specific heatmap of card v2 models (docs/interfaces.md section 1): the `cam` output
 * (each class's logit decomposed over feature-map locations) turned into a map in [0, 1], and its
 * peak in pixels of the original image.
 */
import { InvalidInputError } from "../errors.ts";
import type { Region } from "./headCrop.ts";
import type { Heatmap } from "./heatmap.ts";
import { resizePlane } from "./resize.ts";

const f32 = Math.fround;

/**
 * `H = max(0, cam[k] - mean_j cam[j]) / max(H)` (all zeros when `max(H) = 0`) for class index `k`
 * of a `cam` output `[1, K, h, w]`. `region` says where the grid lies on the image.
 * Throws {@link InvalidInputError} for a wrong shape or class index.
 */
export function heatmapFromCam(
  cam: Float32Array,
  dims: readonly number[],
  classIndex: number,
  region?: Region,
): Heatmap {
  if (dims.length !== 4 || dims[0] !== 1) {
    throw new InvalidInputError(`Expected cam of shape [1, K, h, w], got [${dims.join(", ")}].`);
  }
  const [, classes, height, width] = dims as [number, number, number, number];
  const plane = height * width;
  if (cam.length !== classes * plane) {
    throw new InvalidInputError(`cam holds ${cam.length} values, expected ${classes * plane}.`);
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new InvalidInputError(`No class ${classIndex} in a cam of ${classes} classes.`);
  }
  const data = new Float32Array(plane);
  let max = 0;
  for (let i = 0; i < plane; i++) {
    let mean = 0;
    for (let j = 0; j < classes; j++) mean += cam[j * plane + i] as number;
    mean /= classes;
    const v = f32(Math.max(0, (cam[classIndex * plane + i] as number) - mean));
    data[i] = v;
    if (v > max) max = v;
  }
  for (let i = 0; i < plane; i++) data[i] = max > 0 ? f32((data[i] as number) / max) : 0;
  return region ? { width, height, data, region } : { width, height, data };
}

/** A point of the original image, in pixels, origin top left. */
export type ImagePoint = { x: number; y: number };

/**
 * The heatmap's peak on the image: the grid upsampled bilinearly (half-pixel centres, edges
 * clamped) to the `inputSize x inputSize` model input, its first maximum in row-major order,
 * mapped through the region (`x = left + (i + 0.5) * width / S`), floored and clamped to the
 * image (`imageWidth x imageHeight`).
 */
export function heatmapPeak(
  heatmap: Heatmap,
  region: Region,
  inputSize: { width: number; height: number },
  image: { width: number; height: number },
): ImagePoint {
  const { width: sx, height: sy } = inputSize;
  const up = resizePlane(
    (y, x) => heatmap.data[y * heatmap.width + x] as number,
    heatmap.width,
    heatmap.height,
    sx,
    sy,
  );
  let best = 0;
  for (let p = 1; p < up.length; p++) if ((up[p] as number) > (up[best] as number)) best = p;
  const i = best % sx;
  const j = Math.floor(best / sx);
  const x = Math.floor(region.left + ((i + 0.5) * region.width) / sx);
  const y = Math.floor(region.top + ((j + 0.5) * region.height) / sy);
  return {
    x: Math.min(image.width - 1, Math.max(0, x)),
    y: Math.min(image.height - 1, Math.max(0, y)),
  };
}
