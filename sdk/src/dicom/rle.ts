import { ImageDecodeError } from "../errors.ts";

/**
 * Decodes one DICOM RLE Lossless frame (PS3.5 Annex G): a 64-byte header (segment count, 15
 * offsets), then one PackBits segment per byte plane, most significant byte first, sample by
 * sample. Returns the frame as native little-endian bytes, samples interleaved
 * (`rows * columns * samples * bytesPerSample` bytes).
 */
export function decodeRleFrame(
  frame: Uint8Array,
  rows: number,
  columns: number,
  samples: number,
  bytesPerSample: number,
): Uint8Array {
  if (frame.length < 64) throw new ImageDecodeError("The RLE frame is truncated (no header).");
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const expected = samples * bytesPerSample;
  if (segments !== expected) {
    throw new ImageDecodeError("The RLE frame has the wrong number of segments.", {
      details: `${segments} segments for ${samples} sample(s) of ${bytesPerSample} byte(s); expected ${expected}.`,
    });
  }
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) {
      throw new ImageDecodeError("The RLE frame has an invalid segment offset.", {
        details: `Segment ${s}: ${start}..${end} of ${frame.length} bytes.`,
      });
    }
    // Segment s holds byte (bytesPerSample - 1 - b) of sample `sample` (most significant first).
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const written = unpackSegment(frame.subarray(start, end), out, {
      first: sample * bytesPerSample + byteInSample,
      stride: expected,
      pixels,
    });
    if (written < pixels) {
      throw new ImageDecodeError("The RLE frame is truncated.", {
        details: `Segment ${s} decoded ${written} of ${pixels} pixels.`,
      });
    }
  }
  return out;
}

/**
 * Unpacks one PackBits segment into every `stride`-th byte of `out` from `first`, at most
 * `pixels` bytes. Returns how many it wrote (fewer than `pixels` when the segment is short).
 */
function unpackSegment(
  segment: Uint8Array,
  out: Uint8Array,
  { first, stride, pixels }: { first: number; stride: number; pixels: number },
): number {
  const end = segment.length;
  let target = first;
  let written = 0;
  let at = 0;
  while (at < end && written < pixels) {
    const n = (segment[at++]! << 24) >> 24; // int8
    if (n >= 0) {
      // A literal run of n + 1 bytes.
      for (let k = 0; k <= n && at < end && written < pixels; k++, written++, target += stride)
        out[target] = segment[at++]!;
    } else if (n !== -128) {
      // One byte repeated 1 - n times.
      const value = segment[at++]!;
      for (let k = 0; k < 1 - n && written < pixels; k++, written++, target += stride)
        out[target] = value;
    }
  }
  return written;
}
