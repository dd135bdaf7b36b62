/** Colours: a categorical palette for series and a sequential ramp for heat maps. */

/**
 * Okabe & Ito's colour-blind-safe palette (with black replaced by a dark grey), then a few more
 * distinct colours for charts with many series.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#444444', '#8C564B', '#7F7F7F'];

/** The i-th series colour (the palette repeats). */
export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** Anchor colours of viridis, a perceptually uniform ramp from dark blue-violet to yellow. */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

/** The ramp colour at t ∈ [0, 1] (clamped), as `rgb(r,g,b)`, interpolated between anchors. */
export function ramp(t: number): string {
  const [r, g, b] = rampRgb(t);
  return `rgb(${r},${g},${b})`;
}

/** The ramp colour at t as integer channels. */
export function rampRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i]!, VIRIDIS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

/** Whether dark text reads better than white text on this ramp colour (relative luminance). */
export function isLight(t: number): boolean {
  const [r, g, b] = rampRgb(t);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140;
}
