import type { Preprocessing } from "../card/schema.ts";
import { InvalidInputError } from "../errors.ts";
import { imageChannels, type RawImage } from "./rawImage.ts";
import { resizePlane } from "./resize.ts";

/** What preprocessing needs from the card (`card.preprocessing`). */
export type PreprocessingSpec = {
  resize: Pick<Preprocessing["resize"], "width" | "height">;
  /** 255: pixels are divided by it before the normalisation. */
  scale: number;
  mean: readonly number[];
  std: readonly number[];
};

const f32 = Math.fround;

/**
 * Turns decoded pixels into the model input exactly as docs/interfaces.md section 2 says:
 * 8-bit RGB (gray replicated, alpha dropped without compositing), bilinear resize with half-pixel
 * centres in float32 on 0..255 (no rounding), then `(x / scale - mean) / std` per channel.
 * Returns NCHW float32 for a batch of one: `[1, 3, height, width]`.
 *
 * @example
 * const input = preprocessImage(imageData, card.preprocessing); // Float32Array(3 * 256 * 256)
 */
export function preprocessImage(image: RawImage, spec: PreprocessingSpec): Float32Array {
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
