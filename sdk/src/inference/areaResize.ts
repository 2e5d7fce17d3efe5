/**
 * Area resampling that reproduces `torch.nn.functional.adaptive_avg_pool2d(x, (S, S))` on one
 * float32 plane: output cell `i` averages input rows `floor(i * n / S) .. ceil((i + 1) * n / S) - 1`
 * (columns likewise). Sums run in float32 in torch's order (rows, then columns) and are divided by
 * the window's height, then its width, as torch's CPU kernel does.
 */

const f32 = Math.fround;

/** A float plane, row-major. */
export type FloatPlane = { data: Float32Array; width: number; height: number };

/**
 * A `width x height` canvas of zeros with a plane pasted at (`offsetX`, `offsetY`). The canvas is
 * never built: zeros add nothing to a float32 sum, so only the pasted part is read.
 */
export type PaddedCanvas = { width: number; height: number; offsetX: number; offsetY: number };

/**
 * Pools `source` (pasted into `canvas`, default: the source alone) to `outWidth x outHeight`.
 *
 * @example
 * const map = areaResizePlane({ data, width: 300, height: 200 }, 128, 128, { width: 300, height: 300, offsetX: 0, offsetY: 50 });
 */
export function areaResizePlane(
  source: FloatPlane,
  outWidth: number,
  outHeight: number,
  canvas: PaddedCanvas = { width: source.width, height: source.height, offsetX: 0, offsetY: 0 },
): Float32Array {
  const out = new Float32Array(outWidth * outHeight);
  const { data, width } = source;
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = Math.floor((oy * canvas.height) / outHeight);
    const y1 = Math.ceil(((oy + 1) * canvas.height) / outHeight);
    // The window's rows that hold source pixels, in source coordinates.
    const sy0 = Math.max(y0 - canvas.offsetY, 0);
    const sy1 = Math.min(y1 - canvas.offsetY, source.height);
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = Math.floor((ox * canvas.width) / outWidth);
      const x1 = Math.ceil(((ox + 1) * canvas.width) / outWidth);
      const sx0 = Math.max(x0 - canvas.offsetX, 0);
      const sx1 = Math.min(x1 - canvas.offsetX, width);
      let sum = 0;
      for (let y = sy0; y < sy1; y++) {
        const row = y * width;
        for (let x = sx0; x < sx1; x++) sum = f32(sum + (data[row + x] as number));
      }
      out[oy * outWidth + ox] = f32(f32(sum / (y1 - y0)) / (x1 - x0));
    }
  }
  return out;
}
