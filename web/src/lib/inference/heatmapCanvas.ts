import { type Heatmap, heatmapToRgba } from "@neuroledger/sdk/inference";

/**
 * Draws `heatmap` over what `context` already holds: the SDK colours it (transparent where the
 * activation is low) and the canvas scales it up bilinearly onto the heatmap's region (card v2:
 * the square around the head, which may reach past the image). `image` is the size of the image
 * the heatmap belongs to, in pixels; `scale` is canvas pixels per image pixel on each axis.
 */
export function drawHeatmap(
  context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  heatmap: Heatmap,
  image: { width: number; height: number },
  scale: { x: number; y: number } = { x: 1, y: 1 },
): void {
  const colours = heatmapToRgba(heatmap);
  const small = new OffscreenCanvas(colours.width, colours.height);
  small
    .getContext("2d")
    ?.putImageData(
      new ImageData(new Uint8ClampedArray(colours.data), colours.width, colours.height),
      0,
      0,
    );
  const region = heatmap.region ?? { left: 0, top: 0, width: image.width, height: image.height };
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "medium";
  context.drawImage(
    small,
    region.left * scale.x,
    region.top * scale.y,
    region.width * scale.x,
    region.height * scale.y,
  );
}
