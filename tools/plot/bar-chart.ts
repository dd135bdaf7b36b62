/**
 * Horizontal bar charts in groups: one labelled block of bars per comparison (e.g. one matrix size,
 * one bar per implementation), each bar annotated with its value, bars of the same name in the same
 * colour across groups, and an optional reference line (a target ratio, say).
 */
import { el, svgDocument, text } from './svg';
import { linearScale, logDomain, logScale, niceDomain } from './scale';
import { axes, chartTitle, type PlotArea } from './axes';
import { seriesColor } from './color';

/** One comparison: a label and its bars, drawn top to bottom. */
export interface BarGroup {
  name: string;
  bars: ReadonlyArray<{ name: string; value: number }>;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** The value axis title (e.g. `GFLOP/s`, `ms per step`). */
  xLabel: string;
  title?: string;
  /** Pixels wide (default 720); the height follows from the number of bars. */
  width?: number;
  /** Log10 value axis, for values spanning orders of magnitude (default false). */
  logX?: boolean;
  /** A dashed vertical line at this value, labelled (e.g. a target). */
  reference?: { value: number; label: string };
  /** How a value is written at the end of its bar (default: 3 significant digits). */
  format?: (value: number) => string;
}

const BAR = 16;
const GAP = 4;
const GROUP_GAP = 10;
const GROUP_HEAD = 18;
const MARGIN = { left: 200, right: 70, top: 44, bottom: 56 };

/**
 * An SVG bar chart of `groups`. Non-finite values get no bar (the label says `n/a`).
 * @throws RangeError when no value is finite (or, on a log axis, positive).
 *
 * @example
 * barChart([{ name: '256³', bars: [{ name: 'naive', value: 0.8 }, { name: 'gemm', value: 3.7 }] }],
 *   { xLabel: 'GFLOP/s', title: 'Matrix product' });
 */
export function barChart(groups: readonly BarGroup[], options: BarChartOptions): string {
  const width = options.width ?? 720;
  const logX = options.logX ?? false;
  const drawable = (v: number): boolean => Number.isFinite(v) && (!logX || v > 0);
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(drawable);
  if (options.reference && drawable(options.reference.value)) values.push(options.reference.value);
  if (values.length === 0) throw new RangeError(`barChart: no finite${logX ? ' positive' : ''} values to plot`);

  const barCount = groups.reduce((n, g) => n + g.bars.length, 0);
  const plotHeight = barCount * (BAR + GAP) + groups.length * (GROUP_HEAD + GROUP_GAP);
  const height = MARGIN.top + plotHeight + MARGIN.bottom;
  const area: PlotArea = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: plotHeight };
  const hi = Math.max(...values);
  const range: [number, number] = [area.left, area.left + area.width];
  // On a log axis the smallest bar must still show: the axis starts below it.
  const x = logX ? logScale(logDomain(Math.min(...values) / 2, hi), range) : linearScale(niceDomain(0, hi), range);
  const y = linearScale([0, 1], [area.top + area.height, area.top]);
  const format = options.format ?? ((v: number) => (Number.isFinite(v) ? v.toPrecision(3) : 'n/a'));

  // Colours by bar name, in order of first appearance, so an implementation keeps its colour.
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const colorOf = (name: string): string => seriesColor(names.indexOf(name));

  const parts: string[] = [];
  let top = area.top + GROUP_GAP / 2;
  for (const group of groups) {
    parts.push(text(group.name, { x: 10, y: top + 13, 'font-weight': 'bold', class: 'group' }));
    top += GROUP_HEAD;
    for (const bar of group.bars) {
      const start = x.log ? area.left : x(0);
      const end = drawable(bar.value) ? x(bar.value) : start;
      parts.push(
        el(
          'g', { class: 'bar', 'data-name': bar.name, 'data-value': String(bar.value) },
          text(bar.name, { x: area.left - 8, y: top + BAR - 4, 'text-anchor': 'end' }),
          el('rect', { x: start, y: top, width: Math.max(0, end - start), height: BAR, fill: colorOf(bar.name) }),
          text(format(bar.value), { x: end + 4, y: top + BAR - 4, class: 'value' }),
        ),
      );
      top += BAR + GAP;
    }
    top += GROUP_GAP;
  }
  if (options.reference && drawable(options.reference.value)) {
    const px = x(options.reference.value);
    parts.push(
      el(
        'g', { class: 'reference' },
        el('line', { x1: px, y1: area.top, x2: px, y2: area.top + area.height, stroke: '#D55E00', 'stroke-dasharray': '6 4', 'stroke-width': 1.5 }),
        text(options.reference.label, { x: px, y: area.top - 6, 'text-anchor': 'middle', fill: '#D55E00' }),
      ),
    );
  }
  return svgDocument(
    width, height, options.title ?? options.xLabel,
    chartTitle(options.title, width),
    // Only the value axis carries ticks; the category axis is labelled bar by bar.
    axes({ area, x, y, xLabel: options.xLabel, yLabel: '', yTicks: [] }),
    el('g', { class: 'bars' }, ...parts),
  );
}
