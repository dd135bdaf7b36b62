/**
 * The comparison at the heart of checkGrad: analytic derivatives of one function, from jvp (forward)
 * and vjp (reverse), against finite differences. Element by element when small; by the dot-product
 * test ⟨u, J v⟩ = ⟨Jᵀu, v⟩ against ⟨u, numeric J v⟩ when large.
 */
import { Rng, ValueError, formatShape, jvp, sameShape, shapeSize, vjp, type Tensor } from '@adjoint/core';
import { AUTO_SAFETY, numericDirectional, numericWithError, randomTensor, referenceOf, unit, zerosOfShape, type CheckedFunction, type NumericEstimate } from './numeric';
import { emptyReport, type GradFailure, type GradReport, type Mode } from './report';

export { AUTO_SAFETY };

/** checkGrad's options with every default filled in. */
export interface Resolved {
  /** The public function the user called (checkGrad, checkModule or gradProperty), for messages. */
  caller: string;
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
 * The analytic value's own rounding, in units of ε times the size of the derivatives it sits among
 * (the largest of its Jacobian column, the function's size over its input's, or itself): a correct
 * rule computed in float64 is not exact either, and a second derivative through a softmax sums terms
 * far larger than the result.
 */
const ANALYTIC_ROUNDING = 256;
/**
 * With `tolerance: 'auto'`, a value whose allowance (AUTO_SAFETY times its estimated error) exceeds
 * this fraction of its size is not compared at all: finite differences could not estimate it (even
 * after shrinking the step), and a rule wrong by that much, or with the wrong sign, would pass.
 */
const UNRELIABLE_FRACTION = 0.1;

/**
 * Besides the unit (co)tangents eᵢ, the element-by-element check pulls back one cotangent −2·w (and
 * pushes forward one tangent per input), w uniform in [½, 1], and compares the result with the same
 * combination of the rows (columns) it found at each eᵢ. A rule must be linear in its cotangent
 * (tangent); one that is not (|g|·cos x, g², relu(g), one that ignores g) can agree with the right
 * rule at eᵢ, which is what `.sum()` feeds it, but not at a cotangent of the other sign and another
 * size. One more pass, whatever the size of the inputs.
 */
const LINEARITY_SCALE = -2;

/** With `tolerance: 'auto'`, what a numeric value is compared within (see numericAlong). */
interface AutoBound {
  /** The finite difference's estimated error. */
  error: number;
  /** The size of the derivatives around it, for the analytic value's rounding. */
  scale: number;
  /** The size the error is judged against, to decide whether the estimate can be trusted at all. */
  reference: number;
  /** The smallest step its finite differences were taken with (after any retries), for the message when it cannot. */
  step: number;
}

/** What |analytic − numeric| may be (see Recorder.compare). */
function allowance(opts: Resolved, analytic: number, numeric: number, bound: AutoBound | undefined): number {
  return bound
    ? AUTO_SAFETY * bound.error + ANALYTIC_ROUNDING * Number.EPSILON * Math.max(Math.abs(analytic), bound.scale)
    : opts.atol + opts.rtol * Math.abs(numeric);
}

/** Whether an estimate's error is comparable to its size, or not even known (NaN): then it cannot be compared. */
function unreliable(bound: AutoBound): boolean {
  return !(AUTO_SAFETY * bound.error <= UNRELIABLE_FRACTION * bound.reference);
}

/** Whether Recorder.compare would fail this value, recording nothing. */
function fails(opts: Resolved, analytic: number, numeric: number, bound: AutoBound | undefined): boolean {
  if (!Number.isFinite(analytic) || !Number.isFinite(numeric)) return true;
  if (bound !== undefined && unreliable(bound)) return true;
  return Math.abs(analytic - numeric) > allowance(opts, analytic, numeric, bound);
}

/**
 * With `tolerance: 'auto'`, a numeric estimate about to fail a value is estimated again from first
 * steps these many times as large before anything is reported. Steps h, h/2, h/4 that are each a
 * whole number of periods of the function (sin(10⁴x) at 0.6246…) alias alike: their central
 * differences agree with one another on a wrong value, with a tiny estimated error, and only steps
 * of other ratios (√3 and √5 are none of 2's powers) see it. Only values that would fail pay.
 */
const CONFIRM_STEPS = [1 / (8 * Math.sqrt(3)), 1 / (8 * Math.sqrt(5))] as const;

/** Whether two estimates of element i agree within their errors (a non-finite one agrees with nothing). */
function agree(a: NumericEstimate, b: NumericEstimate, i: number): boolean {
  return Math.abs(a.value[i]! - b.value[i]!) <= AUTO_SAFETY * (a.error[i]! + b.error[i]!);
}

/**
 * `n`, when `suspect`, estimated again by `again` from each of CONFIRM_STEPS: each element takes
 * the first pair of the three estimates that agree within their errors, the value of the one with
 * the smaller error and the larger error (agreeing with a rough estimate does not confirm a precise
 * one); where no two agree, finite differences cannot tell, and the element's error becomes their
 * spread (so that it is reported as 'unreliable', never as a mismatch).
 */
function confirmed(n: Numeric, suspect: boolean, again: (stepFactor: number) => Numeric, gradient: boolean): Numeric {
  if (!suspect || n.estimate === null) return n;
  const a = n.estimate;
  const b = again(CONFIRM_STEPS[0]).estimate!;
  let c: NumericEstimate | null = null; // only where a and b disagree
  const e: NumericEstimate = { value: a.value.slice(), error: a.error.slice(), functionScale: a.functionScale.slice(), step: a.step.slice() };
  const take = (from: NumericEstimate, i: number): void => {
    e.value[i] = from.value[i]!;
    e.error[i] = from.error[i]!;
    e.functionScale[i] = from.functionScale[i]!;
    e.step[i] = Math.min(e.step[i]!, from.step[i]!);
  };
  const takePair = (p: NumericEstimate, q: NumericEstimate, i: number): void => {
    take(p.error[i]! <= q.error[i]! ? p : q, i);
    e.error[i] = Math.max(p.error[i]!, q.error[i]!);
  };
  for (let i = 0; i < e.value.length; i++) {
    if (agree(a, b, i)) {
      takePair(a, b, i);
      continue;
    }
    c ??= again(CONFIRM_STEPS[1]).estimate!;
    if (agree(b, c, i)) takePair(b, c, i);
    else if (agree(a, c, i)) takePair(a, c, i);
    else {
      take(b, i);
      const spread = Math.max(Math.abs(a.value[i]! - b.value[i]!), Math.abs(b.value[i]! - c.value[i]!), a.error[i]!, b.error[i]!, c.error[i]!);
      e.error[i] = Number.isNaN(spread) ? Infinity : spread;
    }
  }
  return withColumn(e, gradient);
}

/** Records comparisons and failures of one order into a report. */
class Recorder {
  readonly report: GradReport = emptyReport();
  constructor(
    private readonly opts: Resolved,
    readonly order: 1 | 2,
  ) {}

  /**
   * Compares one analytic value with its numeric counterpart: within atol + rtol·|numeric|, or,
   * with `tolerance: 'auto'` (`bound` given), within AUTO_SAFETY times the numeric value's own
   * estimated error (plus the analytic value's rounding, relative to the size of the derivatives
   * around it); and there, a numeric value whose error is comparable to itself is a failure of its
   * own ('unreliable'), never a pass. Returns the allowance the value was held to when it passed,
   * or null when it failed.
   */
  compare(mode: Mode, input: number, index: number, outputIndex: number, analytic: number, numeric: number, bound?: AutoBound): number | null {
    const r = this.report;
    r.compared++;
    const at = { input, index, outputIndex, mode, order: this.order, analytic, numeric, ...(bound === undefined ? {} : { estimatedErr: bound.error }) };
    // A NaN compares false with everything: without this test a NaN gradient would pass silently.
    if (!Number.isFinite(analytic) || !Number.isFinite(numeric)) {
      r.failures.push({ ...at, reason: 'non-finite' });
      return null;
    }
    if (bound !== undefined && unreliable(bound)) {
      r.failures.push({ ...at, reason: 'unreliable', message: unreliableMessage(numeric, bound) });
      return null;
    }
    const abs = Math.abs(analytic - numeric);
    r.maxAbsErr = Math.max(r.maxAbsErr, abs);
    // Floored at atol so that an exact zero derivative does not make the relative error infinite.
    r.maxRelErr = Math.max(r.maxRelErr, abs / Math.max(Math.abs(numeric), bound ? 0 : this.opts.atol, Number.MIN_VALUE));
    const allowed = allowance(this.opts, analytic, numeric, bound);
    if (abs <= allowed) return allowed;
    r.failures.push({ ...at, reason: 'mismatch' });
    return null;
  }

  /** A rule not linear in its (co)tangent: what it gave at the combined one, against its parts' sum. */
  nonlinear(mode: Mode, input: number, index: number, outputIndex: number, got: number, sum: Combination): void {
    this.report.failures.push({
      input, index, outputIndex, mode, order: this.order, analytic: got, numeric: sum.numeric, reason: 'nonlinear', message: nonlinearMessage(mode, got, sum),
    });
  }

  /**
   * Fails (once per input) when `f` or one of its rules changed an input in place: the values
   * compared since are at another point than the one asked for. Restores the inputs, so that what
   * follows is checked where it should be.
   */
  unchanged(mode: Mode, xs: readonly Tensor[], reference: readonly Float64Array[]): void {
    for (const failure of changedInputs(xs, reference, mode, this.order)) this.report.failures.push(failure);
  }

  /**
   * Runs `run` on `given`, a (co)tangent this check made, and fails (once per mode) when a rule
   * changed it in place: the engine hands one cotangent to every rule that uses it, so a rule that
   * writes into it after using it gives right values itself and wrong ones to the others. `input`
   * is the input whose tangent it is, −1 for a cotangent. `given` is restored for later use.
   */
  intact<T>(mode: Mode, input: number, given: Tensor, run: (v: Tensor) => T): T {
    const before = given.data.slice();
    const result = run(given);
    const j = before.findIndex((b, i) => !Object.is(given.data[i], b));
    if (j >= 0 && !this.wroteInto.has(mode)) {
      this.wroteInto.add(mode);
      const what = mode === 'rev' ? 'cotangent' : 'tangent';
      this.report.failures.push({
        input, index: input < 0 ? -1 : j, outputIndex: input < 0 ? j : -1, mode, order: this.order, analytic: given.data[j]!, numeric: before[j]!, reason: 'mutated',
        message: `a rule changed the ${what} it was given in place (element ${j}, from ${before[j]} to ${given.data[j]}): ` +
          `the engine hands one ${what} to every rule that uses it, so the derivatives computed after that are wrong`,
      });
    }
    if (j >= 0) given.data.set(before);
    return result;
  }

  private readonly wroteInto = new Set<Mode>();

  /**
   * Fails when the same (co)tangent at the same point gave `second` after `first`: a rule that is
   * not a function of its arguments (random numbers, state kept between calls) can be off by less
   * than the tolerance at each value. Reverse mode: `input` whose cotangent it is, element by
   * element; forward mode: `input` whose tangent was pushed, the output element in `outputIndex`.
   */
  same(mode: Mode, input: number, first: Float64Array, second: Float64Array): void {
    const i = first.findIndex((a, n) => !Object.is(second[n], a));
    if (i < 0) return;
    const what = mode === 'rev' ? 'cotangent' : 'tangent';
    this.report.failures.push({
      input, index: mode === 'rev' ? i : -1, outputIndex: mode === 'rev' ? -1 : i, mode, order: this.order, analytic: second[i]!, numeric: first[i]!, reason: 'nondeterministic',
      message: `the rule gave ${first[i]} and then ${second[i]} for the same ${what} at the same point: ` +
        'a derivative rule must depend on nothing else (random numbers, state kept between calls)',
    });
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
 * Which elements of `xs` differ from `reference` (their values when the check began), as one failure
 * per input naming the first changed element; the inputs are then restored to `reference`.
 */
export function changedInputs(xs: readonly Tensor[], reference: readonly Float64Array[], mode: Mode, order: 1 | 2): GradFailure[] {
  const failures: GradFailure[] = [];
  xs.forEach((x, k) => {
    const want = reference[k]!;
    const changed: number[] = [];
    for (let j = 0; j < want.length; j++) if (!Object.is(x.data[j], want[j])) changed.push(j);
    if (changed.length === 0) return;
    const j = changed[0]!;
    const others = changed.length > 1 ? ` (and ${changed.length - 1} more of its elements)` : '';
    failures.push({
      input: k, index: j, outputIndex: -1, mode, order, analytic: x.data[j]!, numeric: want[j]!, reason: 'mutated',
      message: `changed in place from ${want[j]} to ${x.data[j]}${others} while the ${mode} mode derivatives were taken: ` +
        'the function or one of its rules writes into its input (so the values compared after that are at another point)',
    });
    x.data.set(want);
  });
  return failures;
}

/**
 * Sums, for one value of J·c (or Jᵀc), of what the unit (co)tangents gave: the analytic and numeric
 * combinations, the allowance the parts were held to, and the size of the analytic terms.
 */
class Combination {
  analytic = 0;
  numeric = 0;
  allowed = 0;
  size = 0;
  /** False once a part failed: that failure is reported, and the combination says nothing more. */
  parts = true;

  add(weight: number, analytic: number, numeric: number, allowed: number | null): void {
    if (allowed === null) this.parts = false;
    this.analytic += weight * analytic;
    this.numeric += weight * numeric;
    this.allowed += Math.abs(weight) * (allowed ?? 0);
    this.size += Math.abs(weight * analytic);
  }

  /**
   * Whether `got`, what the rule gives at the combined (co)tangent, is consistent with its parts:
   * within their allowance of the numeric combination, plus the rounding of the sum.
   */
  holds(got: number): boolean {
    return !this.parts || Math.abs(got - this.numeric) <= this.allowed + ANALYTIC_ROUNDING * Number.EPSILON * this.size;
  }
}

/** The weights −2·w of the linearity check (see LINEARITY_SCALE), w uniform in [½, 1]. */
function linearityWeights(shape: readonly number[], rng: Rng): Tensor {
  const t = zerosOfShape(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = LINEARITY_SCALE * rng.uniform(0.5, 1);
  return t;
}

function nonlinearMessage(mode: Mode, got: number, sum: Combination): string {
  const [what, which] = mode === 'rev' ? ['cotangent', 'rows it gives at each eᵢ'] : ['tangent', 'columns it gives at each eⱼ'];
  return `the rule is not linear in its ${what}: at the ${what} −2·w (w random in [½, 1]) it gives ${got}, ` +
    `where the ${which} combine to ${sum.analytic} (numeric ${sum.numeric})`;
}

function unreliableMessage(numeric: number, bound: AutoBound): string {
  return `finite differences could not estimate the derivative here: estimate ${numeric} with an estimated error of ` +
    `${bound.error.toExponential(2)}, even with steps down to ${bound.step.toExponential(2)}`;
}

/** The numeric directional derivative, and with `tolerance: 'auto'` what each element is compared within. */
interface Numeric {
  value: Float64Array;
  /** With `tolerance: 'auto'` (else null): the estimate, and the largest derivative of the column. */
  estimate: NumericEstimate | null;
  column: number;
}

/**
 * The numeric directional derivative, with its estimated error when the tolerance is 'auto'.
 * `gradient`: `f` is itself a gradient Jᵀu (order 2), see boundOf.
 */
function numericAlong(f: CheckedFunction, xs: readonly Tensor[], directions: readonly Tensor[], opts: Resolved, gradient: boolean, stepFactor = 1): Numeric {
  if (opts.tolerance !== 'auto') return { value: numericDirectional(f, xs, directions, opts), estimate: null, column: 0 };
  return withColumn(numericWithError(f, xs, directions, stepFactor), gradient);
}

/** An estimate with the largest derivative of its column (see boundOf). */
function withColumn(e: NumericEstimate, gradient: boolean): Numeric {
  let column = 0;
  for (let i = 0; i < e.value.length; i++) column = Math.max(column, Math.abs(e.value[i]!), gradient ? e.functionScale[i]! : 0);
  return { value: e.value, estimate: e, column };
}

/**
 * What element i of a numeric column is compared within, with `tolerance: 'auto'` (undefined
 * otherwise): its estimated error, and the scale of the analytic value's rounding: its own size,
 * that output element's function value over the input's size (per element, so that a huge output
 * cannot widen the allowance of a small one), or the largest derivative of its column (forward
 * mode computes a column at once, from terms as large as that). When `f` is itself a gradient Jᵀu
 * (order 2), each of its elements sums terms over all of the original outputs, so the column's
 * scale also covers the largest of its elements' function values (a softmax's second derivative
 * cancels terms far larger than the result).
 */
function boundOf(n: Numeric, i: number): AutoBound | undefined {
  const e = n.estimate;
  if (e === null) return undefined;
  const reference = referenceOf(e, i);
  return { error: e.error[i]!, scale: Math.max(reference, n.column), reference, step: e.step[i]! };
}

/**
 * Runs finite differences along `what`; when `f` throws at a shifted point (it ran at the point
 * itself), says so: the usual cause is data passed as an input (indices, which finite differences
 * move off the integers), or a point at the edge of `f`'s domain.
 */
function shifting<T>(caller: string, what: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const error = new ValueError(
      `${caller}: the function threw when finite differences shifted ${what} (it ran at the point itself): ${e.message}. ` +
      'Every input is moved: pass data such as indices inside the function, not as an input',
    );
    throw Object.assign(error, { cause: e });
  }
}

/** Directions that perturb input k along `v` and leave the others fixed. */
function along(xs: readonly Tensor[], k: number, v: Tensor): Tensor[] {
  return xs.map((x, m) => (m === k ? v : zerosOfShape(x.shape)));
}

/**
 * Compares the first derivatives of `f` at `xs` (where `f` has shape `outShape`) in every requested
 * mode; `order` only labels the failures (2 when `f` is itself a gradient). `reference` holds the
 * values `xs` must keep: a mode during which `f` or a rule changed them fails (see changedInputs).
 * `projectAlways` uses random projections whatever the sizes.
 */
export function compareFirstOrder(
  f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, order: 1 | 2,
  reference: readonly Float64Array[] = xs.map((x) => x.data.slice()), projectAlways = false,
): GradReport {
  const rec = new Recorder(opts, order);
  const outSize = shapeSize(outShape);
  const inSize = xs.reduce((n, x) => n + x.size, 0);
  if (!projectAlways && inSize <= opts.maxElements && outSize <= opts.maxElements) elementwise(f, xs, outShape, opts, rec, reference);
  else projected(f, xs, outShape, opts, rec, reference);
  rec.report.ok = rec.report.failures.length === 0;
  return rec.report;
}

/**
 * Element by element: numeric column j of input k against jvp columns and vjp rows, and the rules'
 * linearity (see LINEARITY_SCALE).
 */
function elementwise(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, rec: Recorder, reference: readonly Float64Array[]): void {
  const outSize = shapeSize(outShape);
  const gradient = rec.order === 2;
  const estimate = (k: number, j: number, stepFactor = 1): Numeric =>
    shifting(opts.caller, `element ${j} of input ${k}`, () => numericAlong(f, xs, along(xs, k, unit(xs[k]!.shape, j)), opts, gradient, stepFactor));
  const columns = xs.map((x, k) => Array.from({ length: x.size }, (_, j) => estimate(k, j)));
  // Column j of input k, confirmed (once) where one of its values `analytic(i)` would fail.
  const confirmedOnce = new Set<string>();
  const column = (k: number, j: number, analytic: (i: number) => number): Numeric => {
    const key = `${k}:${j}`;
    if (confirmedOnce.has(key)) return columns[k]![j]!;
    const n = columns[k]![j]!;
    let suspect = false;
    for (let i = 0; i < outSize && !suspect; i++) suspect = fails(opts, analytic(i), n.value[i]!, boundOf(n, i));
    if (suspect) confirmedOnce.add(key);
    return (columns[k]![j] = confirmed(n, suspect, (factor) => estimate(k, j, factor), gradient));
  };
  const rng = new Rng(opts.seed);
  if (opts.modes.includes('fwd')) {
    xs.forEach((x, k) =>
      rec.guard('fwd', k, () => {
        const c = linearityWeights(x.shape, rng);
        const sums = Array.from({ length: outSize }, () => new Combination());
        for (let j = 0; j < x.size; j++) {
          const t = rec.intact('fwd', k, unit(x.shape, j), (v) => tangentAlong(f, xs, k, v, outShape));
          const n = column(k, j, (i) => t.data[i]!);
          n.value.forEach((value, i) => sums[i]!.add(c.data[j]!, t.data[i]!, value, rec.compare('fwd', k, j, i, t.data[i]!, value, boundOf(n, i))));
        }
        const push = (v: Tensor): Tensor => tangentAlong(f, xs, k, v, outShape);
        const combined = rec.intact('fwd', k, c, push);
        sums.forEach((sum, i) => {
          if (!sum.holds(combined.data[i]!)) rec.nonlinear('fwd', k, -1, i, combined.data[i]!, sum);
        });
        rec.same('fwd', k, combined.data, rec.intact('fwd', k, c, push).data);
      }),
    );
    rec.unchanged('fwd', xs, reference);
  }
  if (opts.modes.includes('rev')) {
    // One pullback per output element: row i of the Jacobian, for all inputs at once.
    rec.guard('rev', -1, () => {
      const pullback = vjp(f, ...xs)[1];
      const c = linearityWeights(outShape, rng);
      const sums = xs.map((x) => Array.from({ length: x.size }, () => new Combination()));
      const misshapen = new Set<number>(); // reported once, not once per output element
      const shaped = (k: number, g: Tensor): boolean => {
        if (misshapen.has(k)) return false;
        if (sameShape(g.shape, xs[k]!.shape)) return true;
        misshapen.add(k);
        rec.error('rev', k, `the cotangent of input ${k} has shape ${formatShape(g.shape)}, the input ${formatShape(xs[k]!.shape)}`);
        return false;
      };
      // All rows first: a column is confirmed against every value it will be compared with.
      const rows = Array.from({ length: outSize }, (_, i) => rec.intact('rev', -1, unit(outShape, i), pullback));
      rows.forEach((row, i) => {
        xs.forEach((x, k) => {
          const g = row[k]!;
          if (!shaped(k, g)) return;
          for (let j = 0; j < x.size; j++) {
            const n = column(k, j, (m) => rows[m]![k]!.data[j] ?? NaN);
            sums[k]![j]!.add(c.data[i]!, g.data[j]!, n.value[i]!, rec.compare('rev', k, j, i, g.data[j]!, n.value[i]!, boundOf(n, i)));
          }
        });
      });
      const combined = rec.intact('rev', -1, c, pullback);
      const again = rec.intact('rev', -1, c, pullback);
      xs.forEach((x, k) => {
        if (!shaped(k, combined[k]!)) return;
        for (let j = 0; j < x.size; j++) {
          if (!sums[k]![j]!.holds(combined[k]!.data[j]!)) rec.nonlinear('rev', k, j, -1, combined[k]!.data[j]!, sums[k]![j]!);
        }
        if (sameShape(again[k]!.shape, x.shape)) rec.same('rev', k, combined[k]!.data, again[k]!.data);
      });
    });
    rec.unchanged('rev', xs, reference);
  }
}

/** J·v for input k's tangent `v` (the others zero), checked to have the output's shape. */
function tangentAlong(f: CheckedFunction, xs: readonly Tensor[], k: number, v: Tensor, outShape: readonly number[]): Tensor {
  const t = jvp(f, xs, along(xs, k, v))[1];
  if (!sameShape(t.shape, outShape)) throw new Error(`the output tangent has shape ${formatShape(t.shape)}, the output ${formatShape(outShape)}`);
  return t;
}

/** The dot-product test for large inputs, one random direction v per input and projection. */
function projected(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, rec: Recorder, reference: readonly Float64Array[]): void {
  const rng = new Rng(opts.seed);
  for (let p = 0; p < opts.projections; p++) {
    const u = randomTensor(outShape, rng);
    const vs = xs.map((x) => randomTensor(x.shape, rng));
    const estimate = (k: number, stepFactor = 1): Numeric =>
      shifting(opts.caller, `input ${k} along a random direction`, () => numericAlong(f, xs, along(xs, k, vs[k]!), opts, rec.order === 2, stepFactor));
    // The projection's error and size: each element's, weighted by |u|.
    const weights = absolute(u.data);
    const boundFrom = ({ estimate: e }: Numeric): AutoBound | undefined => {
      if (e === null) return undefined;
      const reference = dot(weights, e.value.map((_, i) => referenceOf(e, i)));
      return { error: dot(weights, e.error), scale: 0, reference, step: e.step.reduce((a, b) => Math.min(a, b), Infinity) };
    };
    const estimates = vs.map((_, k) => estimate(k));
    const numeric = estimates.map((e) => dot(u.data, e.value));
    const bounds = estimates.map(boundFrom);
    // Input k's projection, confirmed (once, see CONFIRM_STEPS) when `analytic` would fail against it.
    const confirmedOnce = new Set<number>();
    const confirm = (k: number, analytic: number): void => {
      if (confirmedOnce.has(k) || !fails(opts, analytic, numeric[k]!, bounds[k])) return;
      confirmedOnce.add(k);
      estimates[k] = confirmed(estimates[k]!, true, (factor) => estimate(k, factor), rec.order === 2);
      numeric[k] = dot(u.data, estimates[k]!.value);
      bounds[k] = boundFrom(estimates[k]!);
    };
    if (opts.modes.includes('fwd')) {
      vs.forEach((v, k) =>
        rec.guard('fwd', k, () => {
          const push = (w: Tensor): Tensor => tangentAlong(f, xs, k, w, outShape);
          const t = rec.intact('fwd', k, v, push);
          confirm(k, dot(u.data, t.data));
          rec.compare('fwd', k, -1, -1, dot(u.data, t.data), numeric[k]!, bounds[k]);
          // Once: a rule that is not deterministic differs at every call.
          if (p === 0) rec.same('fwd', k, t.data, rec.intact('fwd', k, v, push).data);
        }),
      );
      rec.unchanged('fwd', xs, reference);
    }
    if (opts.modes.includes('rev')) {
      rec.guard('rev', -1, () => {
        const pullback = vjp(f, ...xs)[1];
        const cotangents = rec.intact('rev', -1, u, pullback);
        const again = p === 0 ? rec.intact('rev', -1, u, pullback) : null;
        vs.forEach((v, k) => {
          const g = cotangents[k]!;
          if (!sameShape(g.shape, v.shape)) rec.error('rev', k, `the cotangent of input ${k} has shape ${formatShape(g.shape)}, the input ${formatShape(v.shape)}`);
          else {
            confirm(k, dot(g.data, v.data));
            rec.compare('rev', k, -1, -1, dot(g.data, v.data), numeric[k]!, bounds[k]);
            if (again !== null && sameShape(again[k]!.shape, v.shape)) rec.same('rev', k, g.data, again[k]!.data);
          }
        });
      });
      rec.unchanged('rev', xs, reference);
    }
  }
}
