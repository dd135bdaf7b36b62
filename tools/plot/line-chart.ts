/** Line charts: several series on shared axes, with a legend, optional markers and a log y axis. */
import { el, svgDocument, text, fmt } from './svg';
import { extent, linearScale, logDomain, logScale, niceDomain, niceTicks, type Scale } from './scale';
import { axes, chartTitle, type PlotArea } from './axes';
import { seriesColor } from './color';

/** One line. Points whose x or y is not finite (or y ≤ 0 on a log axis) leave a gap. */
export interface Series {
  name: string;
  y: readonly number[];
  /** x of each point (default 1, 2, 3, …: epochs and layers are counted from 1). */
  x?: readonly number[];
  /** CSS colour (default: the palette colour of the series' position). */
  color?: string;
  dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  title?: string;
  /** Pixels (default 640 × 400). */
  width?: number;
  height?: number;
  /** Log10 y axis, for quantities spanning several orders of magnitude (default false). */
  logY?: boolean;
  /** Fixed y range instead of one fitted to the data (e.g. [0, 1] for accuracy). */
  yDomain?: readonly [number, number];
  /** Draw a dot at every point (default: when no series has more than 40 points). */
  markers?: boolean;
}

/** The geometry of a chart: exported so tests can check where data lands. */
export interface LineLayout {
  area: PlotArea;
  x: Scale;
  y: Scale;
}

const MARGIN = { left: 72, right: 20, top: 40, bottom: 52 };

/**
 * An SVG line chart of `series` with labelled axes and a legend to the right of the plot.
 * @throws RangeError when there is nothing finite to plot.
 *
 * @example
 * lineChart([{ name: 'train', y: history.loss }, { name: 'validation', y: history.valLoss }],
 *   { xLabel: 'epoch', yLabel: 'loss', title: 'Loss' });
 */
export function lineChart(series: readonly Series[], options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const layout = lineLayout(series, options);
  const markers = options.markers ?? series.every((s) => s.y.length <= 40);
  const lines = series.map((s, i) => drawSeries(s, i, layout, markers, options.logY ?? false));
  return svgDocument(
    width, height, options.title ?? `${options.yLabel} against ${options.xLabel}`,
    chartTitle(options.title, width),
    axes({ area: layout.area, x: layout.x, y: layout.y, xLabel: options.xLabel, yLabel: options.yLabel, xTicks: xTicksOf(series, layout.x) }),
    el('g', { class: 'series' }, ...lines),
    legend(series, layout.area),
  );
}

/** Plot area and scales for the data (see {@link lineChart} for the rules). */
export function lineLayout(series: readonly Series[], options: LineChartOptions): LineLayout {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const legendWidth = Math.max(0, ...series.map((s) => s.name.length)) * 7 + 44;
  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right - legendWidth,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const logY = options.logY ?? false;
  const xs = extent(series.flatMap((s) => xsOf(s)));
  const ys = extent(series.flatMap((s) => [...s.y]), logY);
  if (xs === null || ys === null) throw new RangeError(`lineChart: no finite${logY ? ' positive' : ''} points to plot`);
  const xDomain: [number, number] = xs[0] === xs[1] ? [xs[0] - 1, xs[1] + 1] : xs;
  const x = linearScale(xDomain, [area.left, area.left + area.width]);
  const yRange: [number, number] = [area.top + area.height, area.top];
  const yDomain = options.yDomain ?? (logY ? logDomain(ys[0], ys[1]) : niceDomain(ys[0], ys[1]));
  const y = logY ? logScale(yDomain, yRange) : linearScale(yDomain, yRange);
  return { area, x, y };
}

function xsOf(s: Series): number[] {
  return s.y.map((_, i) => s.x?.[i] ?? i + 1);
}

/** Whole-number ticks when every x is a whole number (epochs, layers), else round ones. */
function xTicksOf(series: readonly Series[], x: Scale): number[] {
  const [lo, hi] = x.domain;
  const ticks = niceTicks(lo, hi, 8);
  const integral = series.every((s) => xsOf(s).every((v) => Number.isInteger(v)));
  return integral ? ticks.filter((v) => Number.isInteger(v)) : ticks;
}

function drawSeries(s: Series, i: number, { x, y }: LineLayout, markers: boolean, logY: boolean): string {
  const color = s.color ?? seriesColor(i);
  const xv = xsOf(s);
  const ok = (k: number): boolean => Number.isFinite(xv[k]!) && Number.isFinite(s.y[k]!) && (!logY || s.y[k]! > 0);
  // Consecutive drawable points form one polyline; a missing point breaks the line.
  const runs: string[][] = [];
  let run: string[] = [];
  for (let k = 0; k < s.y.length; k++) {
    if (ok(k)) run.push(`${fmt(x(xv[k]!))},${fmt(y(s.y[k]!))}`);
    else if (run.length > 0) (runs.push(run), (run = []));
  }
  if (run.length > 0) runs.push(run);
  const parts = runs.map((r) =>
    el('polyline', { points: r.join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 4' : undefined }),
  );
  if (markers) {
    for (let k = 0; k < s.y.length; k++) if (ok(k)) parts.push(el('circle', { cx: x(xv[k]!), cy: y(s.y[k]!), r: 2.5, fill: color }));
  }
  return el('g', { class: 'line', 'data-name': s.name }, ...parts);
}

function legend(series: readonly Series[], area: PlotArea): string {
  const left = area.left + area.width + 16;
  const items = series.map((s, i) => {
    const cy = area.top + 8 + i * 18;
    const color = s.color ?? seriesColor(i);
    return el(
      'g', {},
      el('line', { x1: left, y1: cy, x2: left + 22, y2: cy, stroke: color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 4' : undefined }),
      text(s.name, { x: left + 28, y: cy + 4 }),
    );
  });
  return el('g', { class: 'legend' }, ...items);
}
