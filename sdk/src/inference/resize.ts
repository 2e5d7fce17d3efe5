/**
 * Bilinear resampling that reproduces
 * `torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False)` (no antialias)
 * in float32: half-pixel centres, negative source coordinates clamped to 0, the far neighbour
 * clamped at the edge.
 */

const f32 = Math.fround;

export type AxisWeights = {
  index0: Int32Array;
  index1: Int32Array;
  weight0: Float32Array;
  weight1: Float32Array;
};

/** Source indices and weights along one axis, computed in float32 as torch's CPU kernel does. */
export function bilinearAxis(inputSize: number, outputSize: number): AxisWeights {
  const scale = f32(inputSize / outputSize);
  const index0 = new Int32Array(outputSize);
  const index1 = new Int32Array(outputSize);
  const weight0 = new Float32Array(outputSize);
  const weight1 = new Float32Array(outputSize);
  for (let i = 0; i < outputSize; i++) {
    let source = f32(f32(scale * f32(i + 0.5)) - 0.5);
    if (source < 0) source = 0;
    const i0 = Math.min(Math.floor(source), inputSize - 1);
    const lambda = Math.min(Math.max(f32(source - i0), 0), 1);
    index0[i] = i0;
    index1[i] = i0 < inputSize - 1 ? i0 + 1 : i0;
    weight1[i] = lambda;
    weight0[i] = f32(1 - lambda);
  }
  return { index0, index1, weight0, weight1 };
}

/**
 * Resizes one float plane (`width` x `height`, row-major) to `outWidth` x `outHeight`.
 * `read(y, x)` gives the source value, so callers can read interleaved 8-bit pixels directly.
 */
export function resizePlane(
  read: (y: number, x: number) => number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  out: Float32Array = new Float32Array(outWidth * outHeight),
): Float32Array {
  const xs = bilinearAxis(width, outWidth);
  const ys = bilinearAxis(height, outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = ys.index0[oy] as number;
    const y1 = ys.index1[oy] as number;
    const h0 = ys.weight0[oy] as number;
    const h1 = ys.weight1[oy] as number;
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = xs.index0[ox] as number;
      const x1 = xs.index1[ox] as number;
      const w0 = xs.weight0[ox] as number;
      const w1 = xs.weight1[ox] as number;
      const top = f32(f32(w0 * read(y0, x0)) + f32(w1 * read(y0, x1)));
      const bottom = f32(f32(w0 * read(y1, x0)) + f32(w1 * read(y1, x1)));
      out[oy * outWidth + ox] = f32(h0 * top) + f32(h1 * bottom);
    }
  }
  return out;
}
