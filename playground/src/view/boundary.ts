/**
 * The decision boundary: the network's P(class 1) over the whole square as a background (a small
 * image scaled up smoothly, so the colour shows the probability and its ½ contour the boundary),
 * with the data on top — training points outlined in white, test points in black.
 */
import { EXTENT, type Points } from '../data/datasets';
import { BLUE, ORANGE, css, diverging } from './colors';

export class BoundaryPlot {
  /** Grid cell centres as a flat [x, y, …] array, row by row from the top (y = +EXTENT). */
  readonly grid: Float64Array;
  private readonly image: ImageData;
  private readonly buffer: HTMLCanvasElement;

  constructor(private readonly canvas: HTMLCanvasElement, readonly resolution = 64) {
    this.grid = new Float64Array(2 * resolution * resolution);
    for (let row = 0; row < resolution; row++) {
      for (let col = 0; col < resolution; col++) {
        const i = row * resolution + col;
        this.grid[2 * i] = -EXTENT + ((col + 0.5) / resolution) * 2 * EXTENT;
        this.grid[2 * i + 1] = EXTENT - ((row + 0.5) / resolution) * 2 * EXTENT;
      }
    }
    this.buffer = document.createElement('canvas');
    this.buffer.width = this.buffer.height = resolution;
    this.image = new ImageData(resolution, resolution);
  }

  /** Canvas pixel of a data point. */
  private toPixel(x: number, y: number): [number, number] {
    const { width, height } = this.canvas;
    return [((x + EXTENT) / (2 * EXTENT)) * width, ((EXTENT - y) / (2 * EXTENT)) * height];
  }

  /** `probabilities[i]` is P(class 1) at grid cell i; null draws a plain background (no network yet). */
  draw(probabilities: Float64Array | null, train: Points, test: Points, showTest: boolean): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width, height } = this.canvas;
    if (probabilities === null) {
      ctx.fillStyle = '#fafafa';
      ctx.fillRect(0, 0, width, height);
    } else {
      const pixels = this.image.data;
      for (let i = 0; i < probabilities.length; i++) {
        // Paler than the points, so that they stand out on their own colour.
        const [r, g, b] = diverging(0.5 + (probabilities[i]! - 0.5) * 0.8);
        pixels.set([r, g, b, 255], 4 * i);
      }
      this.buffer.getContext('2d')!.putImageData(this.image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.buffer, 0, 0, width, height);
    }
    this.drawAxes(ctx);
    this.drawPoints(ctx, train, 'white');
    if (showTest) this.drawPoints(ctx, test, '#222');
  }

  private drawAxes(ctx: CanvasRenderingContext2D): void {
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.15)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    const [x0, y0] = this.toPixel(0, 0);
    ctx.moveTo(x0, 0); ctx.lineTo(x0, this.canvas.height);
    ctx.moveTo(0, y0); ctx.lineTo(this.canvas.width, y0);
    ctx.stroke();
    ctx.fillStyle = 'rgba(0, 0, 0, 0.45)';
    ctx.font = '11px system-ui, sans-serif';
    for (const v of [-1, 1]) {
      const [px] = this.toPixel(v, 0);
      const [, py] = this.toPixel(0, v);
      ctx.fillText(String(v), px - 4, y0 + 13);
      ctx.fillText(String(v), x0 + 4, py + 4);
    }
  }

  private drawPoints(ctx: CanvasRenderingContext2D, points: Points, outline: string): void {
    ctx.lineWidth = 1;
    ctx.strokeStyle = outline;
    for (let i = 0; i < points.n; i++) {
      const [px, py] = this.toPixel(points.xy[2 * i]!, points.xy[2 * i + 1]!);
      ctx.fillStyle = css(points.labels[i] === 1 ? BLUE : ORANGE);
      ctx.beginPath();
      ctx.arc(px, py, 3.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }
}
