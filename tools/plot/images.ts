/** Grayscale images (such as 28×28 digits) as SVG: one rectangle per visible pixel. */
import { el, svgDocument, text } from './svg';
import { chartTitle } from './axes';

/** One image: row-major intensities in [0, 1] (0 black, 1 white), with an optional caption. */
export interface GrayImage {
  pixels: ArrayLike<number>;
  width: number;
  height: number;
  caption?: string;
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  title?: string;
  /** Images per row (default 5). */
  columns?: number;
  /** Screen pixels per image pixel (default 4). */
  scale?: number;
}

/**
 * The images in a grid, each drawn light on black like the MNIST scans, with its caption below.
 * Only pixels brighter than 2 % are drawn (digits are mostly background), which keeps a 28×28
 * digit to a couple of hundred rectangles.
 * @throws RangeError when an image's pixel count does not match its size.
 */
export function imageGrid(images: readonly GrayImage[], options: ImageGridOptions = {}): string {
  const columns = Math.max(1, Math.min(options.columns ?? 5, images.length || 1));
  const scale = options.scale ?? 4;
  const cellW = Math.max(...images.map((im) => im.width), 1) * scale + 16;
  const cellH = Math.max(...images.map((im) => im.height), 1) * scale + 34;
  const top = options.title ? 40 : 8;
  const rows = Math.ceil(images.length / columns);
  const width = Math.max(columns * cellW + 16, options.title ? options.title.length * 8 + 20 : 0);
  const height = top + rows * cellH + 8;
  const tiles = images.map((im, i) => tile(im, 8 + (i % columns) * cellW, top + Math.floor(i / columns) * cellH, scale));
  return svgDocument(width, height, options.title ?? `${images.length} images`, chartTitle(options.title, width), ...tiles);
}

function tile(im: GrayImage, x0: number, y0: number, scale: number): string {
  if (im.pixels.length !== im.width * im.height) {
    throw new RangeError(`imageGrid: a ${im.width}×${im.height} image needs ${im.width * im.height} pixels, got ${im.pixels.length}`);
  }
  const parts = [el('rect', { x: x0, y: y0, width: im.width * scale, height: im.height * scale, fill: 'black' })];
  for (let r = 0; r < im.height; r++) {
    for (let c = 0; c < im.width; c++) {
      const v = Math.min(1, Math.max(0, im.pixels[r * im.width + c]!));
      if (!(v > 0.02)) continue;
      const g = Math.round(v * 255);
      parts.push(el('rect', { x: x0 + c * scale, y: y0 + r * scale, width: scale, height: scale, fill: `rgb(${g},${g},${g})` }));
    }
  }
  if (im.caption) parts.push(text(im.caption, { x: x0 + (im.width * scale) / 2, y: y0 + im.height * scale + 16, 'text-anchor': 'middle' }));
  return el('g', { class: 'image' }, ...parts);
}
