/**
 * checkGrad: compares reverse mode (vjp) and forward mode (jvp) with finite differences, element by
 * element for small inputs and by random projections ⟨u, J v⟩ for large ones; to second order when asked.
 */
import { Tensor, Rng, jvp, noGrad, toTensor, vjp, AdjointError, type TensorLike } from '@adjoint/core';
import { numericDirectional, unit, type CheckedFunction } from './numeric';

/** Options of {@link checkGrad}. */
export interface CheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, relative to the numeric value (default 1e-3). */
  rtol?: number;
  /** Which modes to check (default both). */
  modes?: readonly ('rev' | 'fwd')[];
  /** 2 also checks second derivatives: the derivatives of the analytic gradient ⟨u, ∂f⟩. */
  order?: 1 | 2;
  /** Inputs with more elements in total than this are checked by random projections (default 200). */
  maxElements?: number;
  /** Number of random projections for large inputs (default 3). */
  projections?: number;
  /** Seed for projections and second-order cotangents (default 0). */
  seed?: number;
  /** Finite-difference method (default 'central'). */
  method?: 'central' | 'richardson';
}

/** One disagreement between an analytic and a numeric derivative. */
export interface GradFailure {
  /** Which input (argument position). */
  input: number;
  /** Flat element index in that input, or -1 for a random projection. */
  index: number;
  /** Flat output element index, or -1 for a projection. */
  outputIndex: number;
  mode: 'rev' | 'fwd';
  order: 1 | 2;
  analytic: number;
  numeric: number;
  /** Why it failed: out of tolerance, not finite, or the rule threw. */
  reason: 'mismatch' | 'non-finite' | 'error';
  message?: string;
}

/** The result of a check. */
export interface GradReport {
  ok: boolean;
  maxAbsErr: number;
  maxRelErr: number;
  failures: GradFailure[];
  /** Number of derivative values compared. */
  compared: number;
}

function emptyReport(): GradReport {
  return { ok: true, maxAbsErr: 0, maxRelErr: 0, failures: [], compared: 0 };
}

/**
 * Checks the derivatives of `f` at `inputs` against finite differences, in reverse and forward mode
 * (and to second order with `order: 2`). Returns a report; see {@link assertGrad} to throw it.
 */
export function checkGrad(f: CheckedFunction, inputs: readonly TensorLike[], options: CheckOptions = {}): GradReport {
  const xs = inputs.map((x) => toTensor(x, 'checkGrad'));
  const report = emptyReport();
  checkFirstOrder(f, xs, options, report, 1);
  if ((options.order ?? 1) >= 2) {
    const rng = new Rng((options.seed ?? 0) + 1);
    const outShape = noGrad(() => f(...xs)).shape;
    const u = randomLike(outShape, rng);
    // Second derivatives: the derivatives of the analytic first derivative, checked like any function.
    xs.forEach((_, k) => {
      const gradient: CheckedFunction = (...ys) => vjp(f, ...ys)[1](u)[k]!;
      const sub = emptyReport();
      checkFirstOrder(gradient, xs, options, sub, 2);
      merge(report, sub);
    });
  }
  report.ok = report.failures.length === 0;
  return report;
}

function merge(into: GradReport, from: GradReport): void {
  into.failures.push(...from.failures);
  into.maxAbsErr = Math.max(into.maxAbsErr, from.maxAbsErr);
  into.maxRelErr = Math.max(into.maxRelErr, from.maxRelErr);
  into.compared += from.compared;
}

function randomLike(shape: readonly number[], rng: Rng): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-1, 1);
  return new Tensor(data, shape);
}

function checkFirstOrder(f: CheckedFunction, xs: readonly Tensor[], options: CheckOptions, report: GradReport, order: 1 | 2): void {
  const modes = options.modes ?? ['rev', 'fwd'];
  const total = xs.reduce((n, x) => n + x.size, 0);
  const compare = (mode: 'rev' | 'fwd', input: number, index: number, outputIndex: number, analytic: number, numeric: number): void => {
    const atol = options.atol ?? 1e-5;
    const rtol = options.rtol ?? 1e-3;
    report.compared++;
    const abs = Math.abs(analytic - numeric);
    const rel = abs / Math.max(Math.abs(numeric), 1e-300);
    if (!Number.isFinite(analytic) || !Number.isFinite(numeric)) {
      report.failures.push({ input, index, outputIndex, mode, order, analytic, numeric, reason: 'non-finite' });
      return;
    }
    report.maxAbsErr = Math.max(report.maxAbsErr, abs);
    if (abs > 0) report.maxRelErr = Math.max(report.maxRelErr, rel);
    if (abs > atol + rtol * Math.abs(numeric)) report.failures.push({ input, index, outputIndex, mode, order, analytic, numeric, reason: 'mismatch' });
  };
  const guarded = (mode: 'rev' | 'fwd', input: number, run: () => void): void => {
    try {
      run();
    } catch (e) {
      if (!(e instanceof AdjointError) && !(e instanceof Error)) throw e;
      report.failures.push({ input, index: -1, outputIndex: -1, mode, order, analytic: NaN, numeric: NaN, reason: 'error', message: (e as Error).message });
    }
  };
  const numOpts = { method: options.method ?? 'central', eps: options.eps ?? (options.method === 'richardson' ? 1e-3 : 1e-6) };

  if (total <= (options.maxElements ?? 200)) {
    // Element by element: numeric column j of input k, against jvp columns and vjp rows.
    const columns = xs.map((x, k) =>
      Array.from({ length: x.size }, (_, j) => {
        const directions = xs.map((y, m) => (m === k ? unit(y.shape, j) : new Tensor(new Float64Array(y.size), y.shape)));
        return { directions, numeric: numericDirectional(f, xs, directions, numOpts) };
      }),
    );
    if (modes.includes('fwd')) {
      columns.forEach((inputColumns, k) =>
        guarded('fwd', k, () =>
          inputColumns.forEach(({ directions, numeric }, j) => {
            const [, t] = jvp(f, xs, directions);
            numeric.forEach((n, i) => compare('fwd', k, j, i, t.data[i]!, n));
          }),
        ),
      );
    }
    if (modes.includes('rev')) {
      guarded('rev', -1, () => {
        const [out, pullback] = vjp(f, ...xs);
        for (let i = 0; i < out.size; i++) {
          const row = pullback(unit(out.shape, i));
          columns.forEach((inputColumns, k) => inputColumns.forEach(({ numeric }, j) => compare('rev', k, j, i, row[k]!.data[j]!, numeric[i]!)));
        }
      });
    }
    return;
  }
  // Large inputs: the dot-product test ⟨u, J v⟩ (forward) and ⟨Jᵀu, v⟩ (reverse) against ⟨u, numeric J v⟩.
  const rng = new Rng(options.seed ?? 0);
  for (let p = 0; p < (options.projections ?? 3); p++) {
    const v = xs.map((x) => randomLike(x.shape, rng));
    const outShape = noGrad(() => f(...xs)).shape;
    const u = randomLike(outShape, rng);
    const numeric = dotArrays(u.data, numericDirectional(f, xs, v, numOpts));
    if (modes.includes('fwd')) guarded('fwd', -1, () => compare('fwd', -1, -1, -1, dotArrays(u.data, jvp(f, xs, v)[1].data), numeric));
    if (modes.includes('rev')) {
      guarded('rev', -1, () => {
        const cot = vjp(f, ...xs)[1](u);
        compare('rev', -1, -1, -1, cot.reduce((s, c, k) => s + dotArrays(c.data, v[k]!.data), 0), numeric);
      });
    }
  }
}

function dotArrays(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The report as readable lines, worst elements first. */
export function formatReport(report: GradReport, limit = 10): string {
  if (report.ok) return `gradients agree (${report.compared} values compared, max abs err ${report.maxAbsErr.toExponential(2)})`;
  const worst = [...report.failures].sort((a, b) => Math.abs(b.analytic - b.numeric) - Math.abs(a.analytic - a.numeric) || 0);
  const lines = worst.slice(0, limit).map((fl) => {
    const where = fl.index < 0 ? 'random projection' : `element ${fl.index}, output ${fl.outputIndex}`;
    const what = fl.reason === 'error' ? `threw: ${fl.message}` : `analytic ${fl.analytic} vs numeric ${fl.numeric}${fl.reason === 'non-finite' ? ' (not finite)' : ''}`;
    return `  input ${fl.input}, ${where}, ${fl.mode} mode, order ${fl.order}: ${what}`;
  });
  const more = worst.length > limit ? `\n  … and ${worst.length - limit} more` : '';
  return `gradient check failed: ${report.failures.length} of ${report.compared} values disagree\n${lines.join('\n')}${more}`;
}

/** Thrown by {@link assertGrad}: carries the report. */
export class GradCheckError extends AdjointError {
  constructor(readonly report: GradReport) {
    super(formatReport(report));
  }
}

/** Like {@link checkGrad}, but throws a {@link GradCheckError} with a readable message on failure. */
export function assertGrad(f: CheckedFunction, inputs: readonly TensorLike[], options: CheckOptions = {}): GradReport {
  const report = checkGrad(f, inputs, options);
  if (!report.ok) throw new GradCheckError(report);
  return report;
}
