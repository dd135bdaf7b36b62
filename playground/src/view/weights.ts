/**
 * The weights, one heatmap per Dense layer: row i, column j is w_ij, the weight from unit i of the
 * layer below to unit j of this one (nn's W is [in, out], as in the course notes), and the row
 * under the gap is the bias. Blue is positive, orange negative, white zero, scaled per layer by the
 * largest |w|, which the caption gives. Pointing at a cell shows its value.
 */
import type { Dense } from '@adjoint/nn';
import { css, diverging } from './colors';
import { decimal } from './format';

interface Panel {
  layer: Dense;
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
  cell: number;
  scale: number;
}

const GAP = 4; // pixels between the weight rows and the bias row

export class WeightsView {
  private panels: Panel[] = [];

  constructor(private readonly container: HTMLElement) {}

  /** Makes one heatmap per layer (call again when the network changes). */
  setLayers(layers: readonly Dense[]): void {
    this.container.replaceChildren();
    this.panels = layers.map((layer, k) => {
      const figure = document.createElement('figure');
      figure.className = 'weights-layer';
      const cell = Math.max(5, Math.min(14, Math.floor(100 / Math.max(layer.inFeatures, layer.outFeatures))));
      const canvas = document.createElement('canvas');
      canvas.width = layer.outFeatures * cell;
      canvas.height = (layer.inFeatures + 1) * cell + GAP;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `weights of layer ${k + 1}, ${layer.inFeatures} by ${layer.outFeatures}, and its bias`);
      const caption = document.createElement('figcaption');
      figure.append(canvas, caption);
      this.container.append(figure);
      const panel: Panel = { layer, canvas, caption, cell, scale: 1 };
      canvas.addEventListener('mousemove', (event) => this.describeCell(panel, k, event));
      canvas.addEventListener('mouseleave', () => this.caption(panel, k));
      return panel;
    });
  }

  draw(): void {
    this.panels.forEach((panel, k) => {
      const { layer, canvas, cell } = panel;
      const w = layer.weight.data;
      const b = layer.bias?.data ?? new Float64Array(layer.outFeatures);
      let scale = 1e-12;
      for (const v of w) scale = Math.max(scale, Math.abs(v));
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      panel.scale = scale;
      const ctx = canvas.getContext('2d')!;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const paint = (value: number, col: number, top: number) => {
        ctx.fillStyle = css(diverging(0.5 + value / (2 * scale)));
        ctx.fillRect(col * cell, top, cell - 1, cell - 1);
      };
      for (let i = 0; i < layer.inFeatures; i++) {
        for (let j = 0; j < layer.outFeatures; j++) paint(w[i * layer.outFeatures + j]!, j, i * cell);
      }
      for (let j = 0; j < layer.outFeatures; j++) paint(b[j]!, j, layer.inFeatures * cell + GAP);
      this.caption(panel, k);
    });
  }

  private caption(panel: Panel, k: number): void {
    const { layer } = panel;
    panel.caption.textContent = `layer ${k + 1}: W ${layer.inFeatures}×${layer.outFeatures}, max |w| ${decimal(panel.scale, 2)}`;
  }

  private describeCell(panel: Panel, k: number, event: MouseEvent): void {
    const { layer, cell } = panel;
    const rect = panel.canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * panel.canvas.width;
    const y = ((event.clientY - rect.top) / rect.height) * panel.canvas.height;
    const j = Math.floor(x / cell);
    if (j < 0 || j >= layer.outFeatures) return;
    if (y < layer.inFeatures * cell) {
      const i = Math.floor(y / cell);
      panel.caption.textContent = `layer ${k + 1}: w[${i}][${j}] = ${decimal(layer.weight.data[i * layer.outFeatures + j]!, 4)}`;
    } else if (y >= layer.inFeatures * cell + GAP && layer.bias !== null) {
      panel.caption.textContent = `layer ${k + 1}: b[${j}] = ${decimal(layer.bias.data[j]!, 4)}`;
    }
  }
}
