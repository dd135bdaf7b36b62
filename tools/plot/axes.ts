/** The frame of a chart: grid lines, axes, tick labels and axis titles around a plot area. */
import { el, text } from './svg';
import { formatTick, type Scale } from './scale';

/** The rectangle data is drawn in, in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What {@link axes} draws. */
export interface AxesSpec {
  area: PlotArea;
  x: Scale;
  y: Scale;
  xLabel: string;
  yLabel: string;
  /** Tick values (default: the scales' own ticks). */
  xTicks?: number[];
  yTicks?: number[];
}

/**
 * Light grid lines at the ticks, the left and bottom axis lines, tick marks, tick labels and the
 * two axis titles (the y title rotated), as one `<g>`.
 */
export function axes(spec: AxesSpec): string {
  const { area, x, y } = spec;
  const bottom = area.top + area.height;
  const right = area.left + area.width;
  const xTicks = (spec.xTicks ?? x.ticks()).filter((v) => within(v, x.domain));
  const yTicks = (spec.yTicks ?? y.ticks()).filter((v) => within(v, y.domain));
  const parts: string[] = [];
  for (const v of xTicks) {
    const px = x(v);
    parts.push(el('line', { x1: px, y1: area.top, x2: px, y2: bottom, stroke: '#e5e5e5' }));
    parts.push(el('line', { x1: px, y1: bottom, x2: px, y2: bottom + 5, stroke: '#333' }));
    parts.push(text(formatTick(v), { x: px, y: bottom + 18, 'text-anchor': 'middle', class: 'tick' }));
  }
  for (const v of yTicks) {
    const py = y(v);
    parts.push(el('line', { x1: area.left, y1: py, x2: right, y2: py, stroke: '#e5e5e5' }));
    parts.push(el('line', { x1: area.left - 5, y1: py, x2: area.left, y2: py, stroke: '#333' }));
    parts.push(text(formatTick(v), { x: area.left - 8, y: py + 4, 'text-anchor': 'end', class: 'tick' }));
  }
  parts.push(el('line', { x1: area.left, y1: bottom, x2: right, y2: bottom, stroke: '#333' }));
  parts.push(el('line', { x1: area.left, y1: area.top, x2: area.left, y2: bottom, stroke: '#333' }));
  parts.push(text(spec.xLabel, { x: area.left + area.width / 2, y: bottom + 40, 'text-anchor': 'middle', 'font-size': 13, class: 'x-label' }));
  const cy = area.top + area.height / 2;
  parts.push(text(spec.yLabel, { x: 18, y: cy, 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 18 ${cy})`, class: 'y-label' }));
  return el('g', { class: 'axes' }, ...parts);
}

/** A chart title centred above the plot area. */
export function chartTitle(title: string | undefined, width: number): string {
  return title ? text(title, { x: width / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', class: 'title' }) : '';
}

function within(v: number, [lo, hi]: readonly [number, number]): boolean {
  const eps = Math.abs(hi - lo) * 1e-9;
  return v >= Math.min(lo, hi) - eps && v <= Math.max(lo, hi) + eps;
}
