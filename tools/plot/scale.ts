/** Mapping data values to pixels (linear or log10) and choosing round tick values. */

/** A function from data to pixels, with the domain and range it maps between. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
  /** Tick values inside the domain. */
  ticks(): number[];
}

/**
 * A linear map of `domain` onto `range`. A degenerate domain (lo = hi) maps everything to the
 * middle of the range rather than dividing by zero.
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number], tickCount = 5): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const map = (v: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
  return Object.assign(map, { domain, range, log: false, ticks: () => niceTicks(d0, d1, tickCount) });
}

/** A map of log10(value) onto `range`; the domain must be positive. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  if (!(d0 > 0 && d1 > 0)) throw new RangeError(`logScale: the domain must be positive, got [${d0}, ${d1}]`);
  const inner = linearScale([Math.log10(d0), Math.log10(d1)], range);
  const map = (v: number): number => inner(Math.log10(v));
  return Object.assign(map, { domain, range, log: true, ticks: () => logTicks(d0, d1) });
}

/** A round step near `span / count`: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

/** Round numbers in [lo, hi], about `count` of them, multiples of a {@link niceStep}. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) return [lo];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(clean(k * step));
  return out;
}

/** `[lo, hi]` widened to multiples of the tick step, so the data does not touch the frame. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (lo === hi) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
  const step = niceStep(hi - lo, count);
  return [clean(Math.floor(lo / step + 1e-9) * step), clean(Math.ceil(hi / step - 1e-9) * step)];
}

/** `[lo, hi]` widened to whole powers of ten (lo, hi > 0). */
export function logDomain(lo: number, hi: number): [number, number] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b === a) b = a + 1;
  return [clean(10 ** a), clean(10 ** b)];
}

/**
 * Ticks for a log axis: the powers of ten in the domain (every k-th one when there are more than
 * ten), with 2× and 5× in between when the domain spans two decades or less.
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const decades = b - a;
  const every = Math.max(1, Math.ceil(decades / 10));
  const out: number[] = [];
  for (let e = a; e <= b; e += every) out.push(clean(10 ** e));
  if (decades <= 2) {
    for (let e = a - 1; e <= b; e++) {
      for (const m of [2, 5]) {
        const v = clean(m * 10 ** e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    out.sort((x, y) => x - y);
  }
  return out;
}

/** The smallest and largest finite values (positive ones only with `positive`), or null if none. */
export function extent(values: Iterable<number>, positive = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positive && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? null : [lo, hi];
}

/** A tick label: plain decimals for ordinary magnitudes, `1e-5` style for tiny or huge ones. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential().replace(/\.?0*e\+?/, 'e');
  return String(clean(v));
}

/** Removes floating-point noise such as 0.30000000000000004 from a computed tick value. */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}
