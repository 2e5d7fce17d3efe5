import { InvalidInputError } from "../errors.ts";
import { areaResizePlane } from "./areaResize.ts";
import { findHeadCrop, type Region } from "./headCrop.ts";
import { imageChannels, type RawImage } from "./rawImage.ts";
import { resizePlane } from "./resize.ts";

/** What version 1 preprocessing needs from the card (`card.preprocessing`, card v1 models). */
export type PreprocessingV1Spec = {
  /** Absent on v1 cards. */
  version?: 1;
  resize: { width: number; height: number };
  /** 255: pixels are divided by it before the normalisation. */
  scale: number;
  mean: readonly number[];
  std: readonly number[];
};

/** What version 2 preprocessing needs from the card (`card.preprocessing`, card v2 models). */
export type PreprocessingV2Spec = {
  version: 2;
  resize: { width: number; height: number };
  normalize: { clip: number };
};

/** The card's `preprocessing` (either version), or the part of it the readers use. */
export type PreprocessingSpec = PreprocessingV1Spec | PreprocessingV2Spec;

/** A preprocessed image: the model input and the part of the image it covers. */
export type PreparedInput = {
  /** NCHW float32, `[1, 3, S, S]`. */
  input: Float32Array;
  /** Where the input (and the heatmap grid) lies on the image, in image pixels. */
  region: Region;
};

const f32 = Math.fround;

/**
 * Turns decoded pixels into the model input as the card's `preprocessing.version` says
 * (docs/interfaces.md section 2) and returns the region of the image the input covers.
 * Version 1: bilinear resize of the whole image, `(x / scale - mean) / std` per channel.
 * Version 2: head crop, centred square, area resize, per-image standardisation, grey in 3 channels.
 * Throws {@link InvalidInputError} for pixel data that does not match the size or a bad spec.
 *
 * @example
 * const { input, region } = prepareInput(imageData, card.preprocessing);
 */
export function prepareInput(image: RawImage, spec: PreprocessingSpec): PreparedInput {
  if (spec.version === 2) return prepareInputV2(image, spec);
  if (spec.version !== undefined && spec.version !== 1) {
    throw new InvalidInputError(
      `Unknown preprocessing version ${String((spec as { version: unknown }).version)}.`,
    );
  }
  return {
    input: preprocessV1(image, spec),
    region: { left: 0, top: 0, width: image.width, height: image.height },
  };
}

/**
 * The model input alone (see {@link prepareInput}): NCHW float32 `[1, 3, height, width]`.
 *
 * @example
 * const input = preprocessImage(imageData, card.preprocessing); // Float32Array(3 * S * S)
 */
export function preprocessImage(image: RawImage, spec: PreprocessingSpec): Float32Array {
  return prepareInput(image, spec).input;
}

/**
 * Version 1: 8-bit RGB (gray replicated, alpha dropped without compositing), bilinear resize with
 * half-pixel centres in float32 on 0..255 (no rounding), then `(x / scale - mean) / std`.
 */
function preprocessV1(image: RawImage, spec: PreprocessingV1Spec): Float32Array {
  const channels = imageChannels(image);
  const { width, height, data } = image;
  const { width: outWidth, height: outHeight } = spec.resize;
  if (spec.mean.length !== 3 || spec.std.length !== 3) {
    throw new InvalidInputError(
      "The preprocessing spec needs three means and three standard deviations (RGB).",
    );
  }
  const plane = outWidth * outHeight;
  const out = new Float32Array(3 * plane);
  const colour = channels >= 3;
  for (let c = 0; c < 3; c++) {
    // Gray (+ alpha) images replicate their one colour channel into R, G and B.
    const offset = colour ? c : 0;
    const read = (y: number, x: number) => data[(y * width + x) * channels + offset] as number;
    const target = out.subarray(c * plane, (c + 1) * plane);
    resizePlane(read, width, height, outWidth, outHeight, target);
    const mean = f32(spec.mean[c] as number);
    const std = f32(spec.std[c] as number);
    for (let i = 0; i < plane; i++)
      target[i] = f32(f32(f32((target[i] as number) / spec.scale) - mean) / std);
  }
  return out;
}

/** Fewer head pixels than this: standardise over the whole map. */
const MIN_HEAD_PIXELS = 16;

/**
 * Mean and standard deviation (float64; sigma at least 1e-6) of the map's values above
 * `threshold`, or of the whole map when fewer than MIN_HEAD_PIXELS are.
 */
function headMoments(map: Float32Array, threshold: number): { mu: number; sigma: number } {
  const plane = map.length;
  let count = 0;
  let total = 0;
  for (let i = 0; i < plane; i++) {
    const v = map[i] as number;
    if (v > threshold) {
      count++;
      total += v;
    }
  }
  const useAll = count < MIN_HEAD_PIXELS;
  if (useAll) {
    count = plane;
    total = 0;
    for (let i = 0; i < plane; i++) total += map[i] as number;
  }
  const mu = total / count;
  let squares = 0;
  for (let i = 0; i < plane; i++) {
    const v = map[i] as number;
    if (useAll || v > threshold) squares += (v - mu) * (v - mu);
  }
  return { mu, sigma: Math.max(Math.sqrt(squares / count), 1e-6) };
}

/** Version 2, steps 1-8 of docs/interfaces.md section 2. */
function prepareInputV2(image: RawImage, spec: PreprocessingV2Spec): PreparedInput {
  const { width: side, height: sideY } = spec.resize;
  if (side !== sideY || !Number.isInteger(side) || side < 1) {
    throw new InvalidInputError(
      `Preprocessing version 2 needs a square input size, got ${side}x${sideY}.`,
    );
  }
  const clip = spec.normalize.clip;
  if (!(clip > 0))
    throw new InvalidInputError(`The standardisation clip must be > 0, got ${clip}.`);
  const crop = findHeadCrop(image);
  const { sum, size, offsetX, offsetY, x0, y0, x1, y1 } = crop;
  // The grey crop (step 2), pasted into a size x size canvas of zeros (step 5) by the pooling.
  const cropWidth = x1 - x0 + 1;
  const cropHeight = y1 - y0 + 1;
  const grey = new Float32Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) {
    const row = (y + y0) * image.width + x0;
    for (let x = 0; x < cropWidth; x++) grey[y * cropWidth + x] = f32((sum[row + x] as number) / 3);
  }
  const plane = side * side;
  const map = areaResizePlane({ data: grey, width: cropWidth, height: cropHeight }, side, side, {
    width: size,
    height: size,
    offsetX,
    offsetY,
  });
  // Standardise inside the head (float64), clamp, store as float32.
  const { mu, sigma } = headMoments(map, crop.max / 30);
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const x = ((map[i] as number) - mu) / sigma;
    input[i] = Math.min(clip, Math.max(-clip, x));
  }
  input.copyWithin(plane, 0, plane);
  input.copyWithin(2 * plane, 0, plane);
  return { input, region: crop.region };
}
