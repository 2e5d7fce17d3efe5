import { PNG } from "pngjs";
import type { RgbaImage } from "../inference/heatmap.ts";

/** Encodes RGBA pixels (a heatmap overlay, say) as PNG bytes. */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}
