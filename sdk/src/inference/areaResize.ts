/**
 * Area resampling that reproduces `torch.nn.functional.adaptive_avg_pool2d(x, (S, S))` on one
 * float32 plane: output cell `i` averages input rows `floor(i * n / S) .. ceil((i + 1) * n / S) - 1`
 * (columns likewise). Sums run in float32 in torch's order (rows, then columns) and are divided by
 * the window's height, then its width, as torch's CPU kernel does.
 */

const f32 = Math.fround;

/** First input index of output cell `i` (adaptive pooling window start). */
export const poolStart = (i: number, inputSize: number, outputSize: number): number =>
  Math.floor((i * inputSize) / outputSize);

/** One past the last input index of output cell `i` (adaptive pooling window end). */
export const poolEnd = (i: number, inputSize: number, outputSize: number): number =>
  Math.ceil(((i + 1) * inputSize) / outputSize);

/**
 * Pools a `width` x `height` plane to `outWidth` x `outHeight`. `read(y, x)` gives the source
 * value (so a padded canvas need not be built: return 0 where the padding is).
 */
export function areaResizePlane(
  read: (y: number, x: number) => number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  out: Float32Array = new Float32Array(outWidth * outHeight),
): Float32Array {
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = poolStart(oy, height, outHeight);
    const y1 = poolEnd(oy, height, outHeight);
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = poolStart(ox, width, outWidth);
      const x1 = poolEnd(ox, width, outWidth);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum = f32(sum + read(y, x));
      out[oy * outWidth + ox] = f32(f32(sum / (y1 - y0)) / (x1 - x0));
    }
  }
  return out;
}
