/** Heat maps: a matrix of numbers as coloured cells with row and column labels and a colour bar. */
import { el, svgDocument, text } from './svg';
import { extent, formatTick, niceTicks } from './scale';
import { chartTitle } from './axes';
import { isLight, ramp } from './color';

/** Options of {@link heatMap}. */
export interface HeatMapOptions {
  /** One label per column and per row. */
  columnLabels: readonly string[];
  rowLabels: readonly string[];
  /** Titles of the column axis (under the cells) and the row axis. */
  xLabel: string;
  yLabel: string;
  title?: string;
  /** What the colours mean, written beside the colour bar. */
  valueLabel?: string;
  /** Text in each cell (default: the value with 3 significant digits); null for none. */
  format?: ((v: number) => string) | null;
  /** Colour log10 of the values (all must be positive), for quantities spanning decades. */
  logColor?: boolean;
  /** Reverse the ramp so that small values are bright (e.g. when low loss is good). */
  reverse?: boolean;
  /** Outline one cell, e.g. the best hyperparameters: [row, column]. */
  highlight?: readonly [number, number];
  /** Side of a cell in pixels (default 56). */
  cell?: number;
}

/**
 * An SVG heat map of `values[row][column]`. Cells that are not finite (a diverged run) are grey and
 * read 'NaN'; they do not count when the colour range is chosen.
 * @throws RangeError when the labels do not match the matrix.
 *
 * @example
 * heatMap([[0.2, 0.1], [0.4, 0.3]], { rowLabels: ['1e-3', '1e-2'], columnLabels: ['0', '1e-4'],
 *   xLabel: 'L2 strength', yLabel: 'learning rate', valueLabel: 'validation loss' });
 */
export function heatMap(values: readonly (readonly number[])[], options: HeatMapOptions): string {
  const rows = values.length;
  const cols = rows === 0 ? 0 : values[0]!.length;
  if (rows === 0 || cols === 0 || values.some((r) => r.length !== cols)) throw new RangeError('heatMap: values must be a non-empty rectangular matrix');
  if (options.rowLabels.length !== rows || options.columnLabels.length !== cols) {
    throw new RangeError(`heatMap: ${rows}×${cols} values need ${rows} row labels and ${cols} column labels, got ${options.rowLabels.length} and ${options.columnLabels.length}`);
  }
  const cell = options.cell ?? 56;
  const rowLabelWidth = Math.max(...options.rowLabels.map((l) => l.length)) * 7 + 12;
  const left = 40 + rowLabelWidth;
  const top = options.title ? 44 : 16;
  const gridW = cols * cell;
  const gridH = rows * cell;
  const height = top + gridH + 64;
  const log = options.logColor ?? false;
  const toColorSpace = (v: number): number => (log ? Math.log10(v) : v);
  const range = extent(values.flat().map((v) => (log && v <= 0 ? NaN : toColorSpace(v)))) ?? [0, 1];
  // The colour bar: 14 px of ramp, tick labels, then the value label (rotated) beyond the widest tick.
  const barTicks = colorTicks(range, log);
  const tickWidth = Math.max(...barTicks.map((v) => tickLabel(v, log).length)) * 7;
  const labelX = 24 + 21 + tickWidth + 14;
  const width = left + gridW + labelX + (options.valueLabel ? 8 : 0);
  const t = (v: number): number => {
    const u = range[1] === range[0] ? 0.5 : (toColorSpace(v) - range[0]) / (range[1] - range[0]);
    return options.reverse ? 1 - u : u;
  };
  const format = options.format === undefined ? (v: number) => String(Number(v.toPrecision(3))) : options.format;
  const cells: string[] = [];
  values.forEach((row, r) =>
    row.forEach((v, c) => {
      const x = left + c * cell;
      const y = top + r * cell;
      const good = Number.isFinite(v) && (!log || v > 0);
      cells.push(el('rect', { x, y, width: cell, height: cell, fill: good ? ramp(t(v)) : '#bbbbbb', stroke: 'white', class: 'cell' }));
      if (format !== null) {
        const fill = !good || isLight(t(v)) ? '#111' : 'white';
        cells.push(text(good ? format(v) : 'NaN', { x: x + cell / 2, y: y + cell / 2 + 4, 'text-anchor': 'middle', fill, 'font-size': 11 }));
      }
    }),
  );
  if (options.highlight) {
    const [r, c] = options.highlight;
    cells.push(el('rect', { x: left + c * cell + 1.5, y: top + r * cell + 1.5, width: cell - 3, height: cell - 3, fill: 'none', stroke: '#D55E00', 'stroke-width': 3, class: 'highlight' }));
  }
  const labels = [
    ...options.columnLabels.map((l, c) => text(l, { x: left + c * cell + cell / 2, y: top + gridH + 16, 'text-anchor': 'middle' })),
    ...options.rowLabels.map((l, r) => text(l, { x: left - 8, y: top + r * cell + cell / 2 + 4, 'text-anchor': 'end' })),
    text(options.xLabel, { x: left + gridW / 2, y: top + gridH + 40, 'text-anchor': 'middle', 'font-size': 13, class: 'x-label' }),
    text(options.yLabel, { x: 18, y: top + gridH / 2, 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 18 ${top + gridH / 2})`, class: 'y-label' }),
  ];
  return svgDocument(
    width, height, options.title ?? `${options.valueLabel ?? 'value'} by ${options.yLabel} and ${options.xLabel}`,
    chartTitle(options.title, width),
    el('g', { class: 'cells' }, ...cells),
    el('g', { class: 'labels' }, ...labels),
    colorBar(range, barTicks, log, options.reverse ?? false, left + gridW + 24, top, gridH, options.valueLabel, left + gridW + labelX),
  );
}

/** Ticks of the colour bar, in colour space (log10 of the values for a log colour scale). */
function colorTicks([lo, hi]: readonly [number, number], log: boolean): number[] {
  if (lo === hi) return [lo];
  const ticks = niceTicks(lo, hi, 4);
  // On a log scale, whole exponents (powers of ten) read best, when there are at least two.
  const powers = ticks.filter((v) => Number.isInteger(v));
  return log && powers.length >= 2 ? powers : ticks;
}

function tickLabel(v: number, log: boolean): string {
  return log ? formatTick(Number((10 ** v).toPrecision(2))) : formatTick(v);
}

/** A vertical bar of the ramp with ticks in data units and the value label beside it. */
function colorBar(
  [lo, hi]: readonly [number, number], ticks: readonly number[], log: boolean, reverse: boolean,
  x: number, top: number, height: number, label: string | undefined, labelX: number,
): string {
  const steps = 32;
  const parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    const u = 1 - (i + 0.5) / steps; // top of the bar is the high end of the data
    parts.push(el('rect', { x, y: top + (i * height) / steps, width: 14, height: height / steps + 0.5, fill: ramp(reverse ? 1 - u : u) }));
  }
  for (const v of ticks) {
    const y = lo === hi ? top + height / 2 : top + height - ((v - lo) / (hi - lo)) * height;
    parts.push(el('line', { x1: x + 14, y1: y, x2: x + 18, y2: y, stroke: '#333' }));
    parts.push(text(tickLabel(v, log), { x: x + 21, y: y + 4 }));
  }
  // Rotated a quarter turn counter-clockwise, the glyphs stand to the left of labelX.
  if (label) parts.push(text(label, { x: labelX, y: top + height / 2, 'text-anchor': 'middle', transform: `rotate(-90 ${labelX} ${top + height / 2})` }));
  return el('g', { class: 'color-bar' }, ...parts);
}
