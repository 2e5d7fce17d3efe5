/**
 * The DICOM grey pipeline of docs/interfaces.md section 2.0, steps 3-5: modality LUT (rescale), VOI
 * window (header, as stored, or a robust automatic window) and MONOCHROME1 inversion, to the 8-bit
 * grey the model sees. All arithmetic is float64, `round(x) = floor(x + 0.5)`, as in training.
 */

export type VoiFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

/** How a frame's stored values became 8-bit grey. */
export type GreyWindow =
  | { method: "header"; center: number; width: number; function: VoiFunction }
  | { method: "as-stored" }
  | { method: "automatic"; low: number; high: number };

export interface GreyMapping {
  /** RescaleSlope and RescaleIntercept (1 and 0 when absent). */
  slope: number;
  intercept: number;
  /** The header's first WindowCenter / WindowWidth, when present and usable (width >= 1). */
  headerWindow?: { center: number; width: number; function: VoiFunction };
  /** BitsAllocated = 8 and PixelRepresentation = 0: used as stored when there is no header window. */
  eightBitUnsigned: boolean;
  monochrome1: boolean;
}

const round = (x: number) => Math.floor(x + 0.5);

/** One value through the VOI function of a header window (section 2.0 step 4). */
export function applyWindow(m: number, center: number, width: number, fn: VoiFunction): number {
  if (fn === "LINEAR_EXACT")
    return round(Math.min(1, Math.max(0, (m - center) / width + 0.5)) * 255);
  if (fn === "SIGMOID") return round(255 / (1 + Math.exp((-4 * (m - center)) / width)));
  if (m <= center - 0.5 - (width - 1) / 2) return 0;
  if (m > center - 0.5 + (width - 1) / 2) return 255;
  return round(((m - (center - 0.5)) / (width - 1) + 0.5) * 255);
}

/**
 * The k-th smallest (0-based) of the modality values `p * slope + intercept`, via a histogram of the
 * integer stored values (rescale is affine: a negative slope reverses the order).
 */
function modalityQuantiles(
  stored: Int32Array,
  slope: number,
  intercept: number,
  ranks: number[],
): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of stored) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min > 1 << 24) {
    // 32-bit data with a wide range: sort instead of a histogram of billions of bins.
    const sorted = new Float64Array(stored).sort();
    return ranks.map(
      (rank) =>
        (sorted[slope >= 0 ? rank : stored.length - 1 - rank] as number) * slope + intercept,
    );
  }
  const counts = new Uint32Array(max - min + 1);
  for (const v of stored) counts[v - min]!++;
  const n = stored.length;
  return ranks.map((rank) => {
    const k = slope >= 0 ? rank : n - 1 - rank;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      if (seen > k) return (i + min) * slope + intercept;
    }
    return max * slope + intercept;
  });
}

/** Smallest and largest stored value. */
function range(stored: Int32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of stored) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/**
 * Maps a frame's stored integer values (already sign-extended to BitsStored) to 8-bit grey. Returns
 * the grey pixels and the window used. Each distinct stored value is mapped once (a lookup table
 * over the frame's range): the same numbers as value by value, several times faster.
 */
export function storedToGrey(
  stored: Int32Array,
  mapping: GreyMapping,
): { grey: Uint8Array; window: GreyWindow } {
  const { window, toGrey } = greyFunction(stored, mapping);
  const invert = mapping.monochrome1;
  const grey = new Uint8Array(stored.length);
  const [min, max] = stored.length ? range(stored) : [0, 0];
  if (max - min <= 1 << 20) {
    const lut = new Uint8Array(max - min + 1);
    for (let v = min; v <= max; v++) lut[v - min] = invert ? 255 - toGrey(v) : toGrey(v);
    for (let i = 0; i < stored.length; i++) grey[i] = lut[(stored[i] as number) - min] as number;
  } else {
    for (let i = 0; i < stored.length; i++) {
      const g = toGrey(stored[i] as number);
      grey[i] = invert ? 255 - g : g;
    }
  }
  return { grey, window };
}

/**
 * The window and the stored value -> 8-bit grey function (before MONOCHROME1 inversion): the
 * header's VOI window, the values as stored (8-bit unsigned), or an automatic window over the
 * 0.5th..99.5th percentile of modality values.
 */
function greyFunction(
  stored: Int32Array,
  mapping: GreyMapping,
): { window: GreyWindow; toGrey: (p: number) => number } {
  const { slope, intercept } = mapping;
  if (mapping.headerWindow) {
    const { center, width, function: fn } = mapping.headerWindow;
    return {
      window: { method: "header", center, width, function: fn },
      toGrey: (p) => applyWindow(p * slope + intercept, center, width, fn),
    };
  }
  if (mapping.eightBitUnsigned) return { window: { method: "as-stored" }, toGrey: (p) => p };
  const n = stored.length;
  const [low, high] = modalityQuantiles(stored, slope, intercept, [
    Math.floor(0.005 * (n - 1)),
    Math.ceil(0.995 * (n - 1)),
  ]) as [number, number];
  const span = high - low;
  return {
    window: { method: "automatic", low, high },
    toGrey:
      span > 0
        ? (p) => round(Math.min(1, Math.max(0, (p * slope + intercept - low) / span)) * 255)
        : () => 0,
  };
}
