import { InvalidInputError } from "../errors.ts";

/**
 * Decoded 8-bit pixels, row-major, channels interleaved. `channels` is 1 (gray), 2 (gray + alpha),
 * 3 (RGB) or 4 (RGBA); when left out it is inferred from the data length. A browser `ImageData`
 * fits as is (RGBA).
 */
export type RawImage = {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
  channels?: 1 | 2 | 3 | 4;
};

/** Images larger than this many pixels are refused by default (a 50-megapixel photo is already far beyond an MRI slice). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export function imageChannels(image: RawImage): 1 | 2 | 3 | 4 {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidInputError(`Invalid image size ${width}x${height}.`);
  }
  const channels = image.channels ?? data.length / (width * height);
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new InvalidInputError("The pixel data does not match the image size.", {
      details: `${data.length} bytes for ${width}x${height} pixels is not 1, 2, 3 or 4 channels.`,
    });
  }
  if (data.length !== width * height * channels) {
    throw new InvalidInputError("The pixel data does not match the image size.", {
      details: `Expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${data.length}.`,
    });
  }
  return channels;
}
