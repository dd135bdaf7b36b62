/**
 * Loss curves: training loss (solid) and test loss (dashed) against the number of steps. The
 * vertical scale starts at 0 and ends at the largest loss seen (capped at 3, so a first bad step
 * does not flatten the rest of the curve).
 */
import type { HistoryPoint } from '../model/trainer';

const PAD = { left: 34, right: 8, top: 8, bottom: 18 };

export function drawCurves(canvas: HTMLCanvasElement, history: readonly HistoryPoint[]): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const w = width - PAD.left - PAD.right;
  const h = height - PAD.top - PAD.bottom;

  let top = 0;
  for (const p of history) top = Math.max(top, Number.isFinite(p.train) ? p.train : 0, Number.isFinite(p.test) ? p.test : 0);
  top = Math.min(3, top > 0 ? top * 1.05 : 1);
  const lastStep = Math.max(1, history.length > 0 ? history[history.length - 1]!.step : 1);
  const px = (step: number) => PAD.left + (step / lastStep) * w;
  const py = (loss: number) => PAD.top + h - (Math.min(loss, top) / top) * h;

  // Axes with the extreme values: enough to read a loss off the curve.
  ctx.strokeStyle = '#bbb';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(PAD.left, PAD.top); ctx.lineTo(PAD.left, PAD.top + h); ctx.lineTo(PAD.left + w, PAD.top + h);
  ctx.stroke();
  ctx.fillStyle = '#666';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(top.toFixed(2), PAD.left - 4, PAD.top + 8);
  ctx.fillText('0', PAD.left - 4, PAD.top + h);
  ctx.textAlign = 'left';
  ctx.fillText('step 0', PAD.left, height - 4);
  ctx.textAlign = 'right';
  ctx.fillText(`step ${lastStep}`, PAD.left + w, height - 4);
  ctx.textAlign = 'left';

  const line = (key: 'train' | 'test', colour: string, dash: number[]) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(dash);
    ctx.beginPath();
    history.forEach((p, i) => (i === 0 ? ctx.moveTo(px(p.step), py(p[key])) : ctx.lineTo(px(p.step), py(p[key]))));
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line('test', '#888', [4, 3]);
  line('train', '#222', []);
}
