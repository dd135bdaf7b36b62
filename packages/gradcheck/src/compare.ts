/**
 * The comparison at the heart of checkGrad: analytic derivatives of one function, from jvp (forward)
 * and vjp (reverse), against finite differences. Element by element when small; by the dot-product
 * test ⟨u, J v⟩ = ⟨Jᵀu, v⟩ against ⟨u, numeric J v⟩ when large.
 */
import { Rng, formatShape, jvp, sameShape, shapeSize, vjp, type Tensor } from '@adjoint/core';
import { numericDirectional, numericWithError, randomTensor, unit, zerosOfShape, type CheckedFunction, type NumericEstimate } from './numeric';
import { emptyReport, type GradReport, type Mode } from './report';

/** checkGrad's options with every default filled in. */
export interface Resolved {
  eps: number;
  atol: number;
  rtol: number;
  modes: readonly Mode[];
  order: 1 | 2;
  maxElements: number;
  projections: number;
  seed: number;
  method: 'central' | 'richardson';
  tolerance: 'fixed' | 'auto';
}

/**
 * With `tolerance: 'auto'`, a value passes when it is within this many times the finite
 * difference's own estimated error (see numericWithError) of the numeric value: the estimates are
 * of the right size, not bounds, and a correct rule must never fail.
 */
export const AUTO_SAFETY = 10;
/**
 * The analytic value's own rounding, in units of ε times the size of the derivatives it sits among
 * (the largest of its Jacobian column, the function's size over its input's, or itself): a correct
 * rule computed in float64 is not exact either, and a second derivative through a softmax sums terms
 * far larger than the result.
 */
const ANALYTIC_ROUNDING = 256;

/** Records comparisons and failures of one order into a report. */
class Recorder {
  readonly report: GradReport = emptyReport();
  constructor(
    private readonly opts: Resolved,
    private readonly order: 1 | 2,
  ) {}

  /**
   * Compares one analytic value with its numeric counterpart: within atol + rtol·|numeric|, or,
   * with `tolerance: 'auto'`, within AUTO_SAFETY times `estimatedErr`, the numeric value's own
   * estimated error (plus the analytic value's rounding, relative to `scale`, the size of the
   * derivatives around it).
   */
  compare(mode: Mode, input: number, index: number, outputIndex: number, analytic: number, numeric: number, estimatedErr?: number, scale = 0): void {
    const r = this.report;
    r.compared++;
    const at = { input, index, outputIndex, mode, order: this.order, analytic, numeric, ...(estimatedErr === undefined ? {} : { estimatedErr }) };
    // A NaN compares false with everything: without this test a NaN gradient would pass silently.
    if (!Number.isFinite(analytic) || !Number.isFinite(numeric)) {
      r.failures.push({ ...at, reason: 'non-finite' });
      return;
    }
    const abs = Math.abs(analytic - numeric);
    r.maxAbsErr = Math.max(r.maxAbsErr, abs);
    const auto = estimatedErr !== undefined;
    // Floored at atol so that an exact zero derivative does not make the relative error infinite.
    r.maxRelErr = Math.max(r.maxRelErr, abs / Math.max(Math.abs(numeric), auto ? 0 : this.opts.atol, Number.MIN_VALUE));
    const allowed = auto
      ? AUTO_SAFETY * estimatedErr + ANALYTIC_ROUNDING * Number.EPSILON * Math.max(Math.abs(analytic), scale)
      : this.opts.atol + this.opts.rtol * Math.abs(numeric);
    if (abs > allowed) r.failures.push({ ...at, reason: 'mismatch' });
  }

  /** Runs `fn`; a throw (a rule with the wrong shapes, say) becomes a failure instead of a crash. */
  guard(mode: Mode, input: number, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      this.error(mode, input, e.message);
    }
  }

  error(mode: Mode, input: number, message: string): void {
    this.report.failures.push({ input, index: -1, outputIndex: -1, mode, order: this.order, analytic: NaN, numeric: NaN, reason: 'error', message });
  }
}


function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function absolute(a: Float64Array): Float64Array {
  return a.map(Math.abs);
}

/**
 * The numeric directional derivative, with its estimated error when the tolerance is 'auto' (else
 * null), and the scale of the analytic values' rounding: its largest element in magnitude, or the
 * function's size over its input's, whichever is larger.
 */
function numericAlong(f: CheckedFunction, xs: readonly Tensor[], directions: readonly Tensor[], opts: Resolved): { value: Float64Array; error: Float64Array | null; scale: number } {
  const { value, error, functionScale }: { value: Float64Array; error: Float64Array | null; functionScale: number } =
    opts.tolerance === 'auto' ? (numericWithError(f, xs, directions) satisfies NumericEstimate) : { value: numericDirectional(f, xs, directions, opts), error: null, functionScale: 0 };
  let scale = functionScale;
  for (let i = 0; i < value.length; i++) if (Math.abs(value[i]!) > scale) scale = Math.abs(value[i]!);
  return { value, error, scale };
}

/** Directions that perturb input k along `v` and leave the others fixed. */
function along(xs: readonly Tensor[], k: number, v: Tensor): Tensor[] {
  return xs.map((x, m) => (m === k ? v : zerosOfShape(x.shape)));
}

/**
 * Compares the first derivatives of `f` at `xs` (where `f` has shape `outShape`) in every requested
 * mode; `order` only labels the failures (2 when `f` is itself a gradient).
 */
export function compareFirstOrder(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, order: 1 | 2): GradReport {
  const rec = new Recorder(opts, order);
  const outSize = shapeSize(outShape);
  const inSize = xs.reduce((n, x) => n + x.size, 0);
  if (inSize <= opts.maxElements && outSize <= opts.maxElements) elementwise(f, xs, outShape, opts, rec);
  else projected(f, xs, outShape, opts, rec);
  rec.report.ok = rec.report.failures.length === 0;
  return rec.report;
}

/** Element by element: numeric column j of input k against jvp columns and vjp rows. */
function elementwise(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, rec: Recorder): void {
  const outSize = shapeSize(outShape);
  const columns = xs.map((x, k) => Array.from({ length: x.size }, (_, j) => numericAlong(f, xs, along(xs, k, unit(x.shape, j)), opts)));
  if (opts.modes.includes('fwd')) {
    xs.forEach((x, k) =>
      rec.guard('fwd', k, () => {
        for (let j = 0; j < x.size; j++) {
          const t = jvp(f, xs, along(xs, k, unit(x.shape, j)))[1];
          if (!sameShape(t.shape, outShape)) throw new Error(`the output tangent has shape ${formatShape(t.shape)}, the output ${formatShape(outShape)}`);
          const { value, error, scale } = columns[k]![j]!;
          value.forEach((n, i) => rec.compare('fwd', k, j, i, t.data[i]!, n, error?.[i], scale));
        }
      }),
    );
  }
  if (opts.modes.includes('rev')) {
    // One pullback per output element: row i of the Jacobian, for all inputs at once.
    rec.guard('rev', -1, () => {
      const pullback = vjp(f, ...xs)[1];
      const misshapen = new Set<number>(); // reported once, not once per output element
      for (let i = 0; i < outSize; i++) {
        const row = pullback(unit(outShape, i));
        xs.forEach((x, k) => {
          const g = row[k]!;
          if (misshapen.has(k)) return;
          if (!sameShape(g.shape, x.shape)) {
            misshapen.add(k);
            rec.error('rev', k, `the cotangent of input ${k} has shape ${formatShape(g.shape)}, the input ${formatShape(x.shape)}`);
            return;
          }
          for (let j = 0; j < x.size; j++) {
            const { value, error, scale } = columns[k]![j]!;
            rec.compare('rev', k, j, i, g.data[j]!, value[i]!, error?.[i], scale);
          }
        });
      }
    });
  }
}

/** The dot-product test for large inputs, one random direction v per input and projection. */
function projected(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, rec: Recorder): void {
  const rng = new Rng(opts.seed);
  for (let p = 0; p < opts.projections; p++) {
    const u = randomTensor(outShape, rng);
    const vs = xs.map((x) => randomTensor(x.shape, rng));
    const estimates = vs.map((v, k) => numericAlong(f, xs, along(xs, k, v), opts));
    const numeric = estimates.map((e) => dot(u.data, e.value));
    // The projection's error: each element's, weighted by |u|.
    const numericErr = estimates.map((e) => (e.error === null ? undefined : dot(absolute(u.data), e.error)));
    if (opts.modes.includes('fwd')) {
      vs.forEach((v, k) =>
        rec.guard('fwd', k, () => {
          const t = jvp(f, xs, along(xs, k, v))[1];
          if (!sameShape(t.shape, outShape)) throw new Error(`the output tangent has shape ${formatShape(t.shape)}, the output ${formatShape(outShape)}`);
          rec.compare('fwd', k, -1, -1, dot(u.data, t.data), numeric[k]!, numericErr[k]);
        }),
      );
    }
    if (opts.modes.includes('rev')) {
      rec.guard('rev', -1, () => {
        const cotangents = vjp(f, ...xs)[1](u);
        vs.forEach((v, k) => {
          const g = cotangents[k]!;
          if (!sameShape(g.shape, v.shape)) rec.error('rev', k, `the cotangent of input ${k} has shape ${formatShape(g.shape)}, the input ${formatShape(v.shape)}`);
          else rec.compare('rev', k, -1, -1, dot(g.data, v.data), numeric[k]!, numericErr[k]);
        });
      });
    }
  }
}
