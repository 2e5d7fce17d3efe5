import { imageChannels, type RawImage } from "./rawImage.ts";

/** EXIF Orientation (1..8) in a TIFF-structured EXIF block; undefined when absent or unreadable. */
function orientationInTiff(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + 12 * i;
    if (at + 12 > tiff.length) return undefined;
    if (view.getUint16(at, little) === 0x0112) {
      const value = view.getUint16(at + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The EXIF Orientation of a JPEG (APP1 `Exif`) or PNG (`eXIf` chunk), 1..8; 1 when absent or
 * unreadable (docs/interfaces.md section 2.0: the upright image is the one every reader uses).
 */
export function exifOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegOrientation(bytes, view);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return pngOrientation(bytes, view);
  return 1;
}

/** The orientation in a JPEG's APP1 `Exif` segment (before the scan); 1 when there is none. */
function jpegOrientation(bytes: Uint8Array, view: DataView): number {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const length = view.getUint16(at + 2);
    if (
      marker === 0xe1 &&
      at + 10 <= bytes.length &&
      String.fromCharCode(...bytes.subarray(at + 4, at + 10)) === "Exif\0\0"
    ) {
      return orientationInTiff(bytes.subarray(at + 10, at + 2 + length)) ?? 1;
    }
    at += 2 + length;
  }
  return 1;
}

/** The orientation in a PNG's `eXIf` chunk; 1 when there is none before the image data. */
function pngOrientation(bytes: Uint8Array, view: DataView): number {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "eXIf") return orientationInTiff(bytes.subarray(at + 8, at + 8 + length)) ?? 1;
    if (type === "IDAT" || type === "IEND") return 1; // eXIf must come before the image data
    at += 12 + length;
  }
  return 1;
}

/**
 * The image turned upright for an EXIF orientation (2..8: mirrored and/or rotated); orientation 1
 * returns the image itself. Channels are kept.
 */
export function applyExifOrientation(image: RawImage, orientation: number): RawImage {
  if (orientation < 2 || orientation > 8) return image;
  const channels = imageChannels(image);
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // (sx, sy): the source pixel shown at (x, y) of the upright image.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default:
          [sx, sy] = [w - 1 - y, x];
          break; // 8
      }
      const from = (sy * w + sx) * channels;
      const to = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = data[from + c]!;
    }
  }
  return { width, height, data: out, channels };
}
