/**
 * checkGrad: compares reverse mode (vjp) and forward mode (jvp) with finite differences, element by
 * element for small inputs and by random projections ⟨u, J v⟩ for large ones; to second order when asked.
 */
import { Rng, ValueError, vjp, type NestedArray, type Tensor, type TensorLike } from '@adjoint/core';
import { compareFirstOrder, type Resolved } from './compare';
import { checkedArguments, evaluateTensor, randomTensor, resolveNumeric, type CheckedFunction } from './numeric';
import { emptyReport, GradCheckError, mergeReport, type GradReport } from './report';
import { blameOps, type Checker } from './blame';

/** Options of {@link checkGrad}. Defaults follow torch.autograd.gradcheck. */
export interface CheckOptions {
  /** Finite-difference step (default 1e-6; 1e-3 with `method: 'richardson'`, whose error shrinks as eps⁴). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). A value passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
  atol?: number;
  /** Relative tolerance, relative to the numeric value (default 1e-3). */
  rtol?: number;
  /** Which modes to check (default both). */
  modes?: readonly ('rev' | 'fwd')[];
  /** 2 also checks second derivatives: finite differences of the reverse-mode gradient ⟨u, ∂f⟩. */
  order?: 1 | 2;
  /**
   * Inputs (in total) or outputs with more elements than this are checked by random projections
   * instead of element by element (default 200).
   */
  maxElements?: number;
  /** Number of random projections per input for large inputs (default 3). */
  projections?: number;
  /** Seed for projections and second-order cotangents (default 0). */
  seed?: number;
  /** Finite-difference method (default 'central'). Ignored with `tolerance: 'auto'`, which uses its own. */
  method?: 'central' | 'richardson';
  /**
   * 'fixed' (default): compare within `atol + rtol·|numeric|`. 'auto': compare each value within an
   * estimate of its finite difference's own error (truncation, from the change between Richardson
   * levels, plus rounding, from the function's magnitude and the step), so that functions with a
   * large dynamic range raise no false alarms and small errors in well-conditioned ones are caught.
   * `atol`, `rtol`, `eps` and `method` are then unused; failures carry `estimatedErr`.
   */
  tolerance?: 'fixed' | 'auto';
  /**
   * When the check fails, find the op at fault: `f` is run again with every op recorded, each op's
   * own rules are checked at the inputs it was applied to, and `report.blame` names the first that
   * disagrees, in evaluation order (null when every op's rule holds). Default false.
   */
  blame?: boolean;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ValueError(`checkGrad: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${String(value)}`);
  }
  return v;
}

function requireTolerance(value: unknown): 'fixed' | 'auto' {
  if (value === undefined || value === 'fixed' || value === 'auto') return value ?? 'fixed';
  throw new ValueError(`checkGrad: tolerance must be 'fixed' or 'auto', got ${JSON.stringify(value) ?? String(value)}`);
}

/** Fills in the defaults and rejects options that would make the check meaningless. */
export function resolveOptions(options: CheckOptions): Resolved {
  const { eps, method } = resolveNumeric(options, 'checkGrad');
  const modes = options.modes ?? ['rev', 'fwd'];
  if (!Array.isArray(modes) || modes.some((m) => m !== 'rev' && m !== 'fwd')) {
    throw new ValueError(`checkGrad: modes must list 'rev' and/or 'fwd', got ${JSON.stringify(modes)}`);
  }
  const order = options.order ?? 1;
  if (order !== 1 && order !== 2) throw new ValueError(`checkGrad: order must be 1 or 2, got ${String(order)}`);
  return {
    eps,
    atol: positive('atol', options.atol, 1e-5, true),
    rtol: positive('rtol', options.rtol, 1e-3, true),
    modes,
    order,
    maxElements: positive('maxElements', options.maxElements, 200, true),
    projections: Math.max(1, Math.floor(positive('projections', options.projections, 3))),
    seed: options.seed ?? 0,
    method,
    tolerance: requireTolerance(options.tolerance),
  };
}

/**
 * Checks the derivatives of `f` at `inputs` against finite differences, in reverse and forward mode
 * (and to second order with `order: 2`). Never throws for a wrong rule: every disagreement, non-finite
 * value or rule that threw is a failure in the returned report. See {@link assertGrad} to throw it.
 *
 * @example
 * checkGrad((x) => x.sin().sum(), [tensor([0.1, 0.2])]).ok; // true
 */
export function checkGrad(f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options: CheckOptions = {}): GradReport {
  const opts = resolveOptions(options);
  const xs = checkedArguments('checkGrad', f, inputs);
  // Evaluated outside any guard, so a function that cannot even run throws here, as the user's error.
  const outShape = evaluateTensor(f, xs, 'checkGrad').shape;
  const report = checkResolved(f, xs, outShape, opts);
  if (options.blame === true) {
    const check: Checker = (g, ys, order) => checkResolved(g, ys, evaluateTensor(g, ys, 'checkGrad').shape, { ...opts, order });
    report.blame = report.ok ? null : blameOps(f, xs, opts.order, check);
  }
  return report;
}

/** checkGrad with its options resolved and the output's shape known. */
function checkResolved(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved): GradReport {
  const report = compareFirstOrder(f, xs, outShape, opts, 1);
  if (opts.order === 2) {
    const u = randomTensor(outShape, new Rng(opts.seed + 1));
    xs.forEach((_, k) => mergeReport(report, checkGradientOf(f, xs, k, u, opts)));
  }
  return report;
}

/**
 * Second order for input k: the reverse-mode gradient G(x) = (Jᵀu)_k is itself a function, and its
 * own derivatives (reverse over reverse, forward over reverse) are compared with finite differences
 * of G. A rule that is right to first order but not differentiable (it used `detach`) fails here.
 */
function checkGradientOf(f: CheckedFunction, xs: readonly Tensor[], k: number, u: Tensor, opts: Resolved): GradReport {
  const gradient: CheckedFunction = (...ys) => vjp(f, ...ys)[1](u)[k]!;
  let sub: GradReport;
  try {
    sub = compareFirstOrder(gradient, xs, evaluateTensor(gradient, xs, 'checkGrad').shape, opts, 2);
  } catch (e) {
    // The gradient itself could not be computed (a rule threw): already a first-order failure, and
    // nothing can be said about its derivatives.
    if (!(e instanceof Error)) throw e;
    sub = emptyReport();
    sub.failures.push({ input: -1, index: -1, outputIndex: -1, mode: 'rev', order: 2, analytic: NaN, numeric: NaN, reason: 'error', message: e.message });
  }
  for (const failure of sub.failures) failure.gradientOf = k;
  return sub;
}

/**
 * Like {@link checkGrad}, but throws a {@link GradCheckError} whose message names, for the worst
 * failures, the input, element, mode, order and the analytic and numeric values.
 */
export function assertGrad(f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options: CheckOptions = {}): GradReport {
  const report = checkGrad(f, inputs, options);
  if (!report.ok) throw new GradCheckError(report);
  return report;
}
