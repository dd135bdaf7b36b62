/**
 * Plots for the demo, the examples and the benchmarks, written as standalone SVG files: line charts
 * (with a log y axis), horizontal bar charts, heat maps and image grids. No dependencies: the
 * output is a string you can inspect, diff and test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export { lineChart, lineLayout, type Series, type LineChartOptions, type LineLayout } from './line-chart';
export { barChart, type BarGroup, type BarChartOptions } from './bar-chart';
export { heatMap, type HeatMapOptions } from './heatmap';
export { imageGrid, type GrayImage, type ImageGridOptions } from './images';
export { linearScale, logScale, niceTicks, niceDomain, logDomain, logTicks, extent, formatTick, type Scale } from './scale';
export { escapeXml, el, text, svgDocument } from './svg';
export { ramp, seriesColor, PALETTE } from './color';

/** Writes `svg` to `file`, creating its folder first; returns the path written. */
export function writeSvg(file: string, svg: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, svg);
  return file;
}
export { formatTable, displayWidth, type Align } from './table';
