/**
 * checkGrad: compares reverse mode (vjp) and forward mode (jvp) with finite differences, element by
 * element for small inputs and by random projections ⟨u, J v⟩ for large ones; to second order when asked.
 */
import { Rng, Tensor, ValueError, formatShape, jvp, requireOptions, requireSeed, sameShape, vjp, type NestedArray, type TensorLike } from '@adjoint/core';
import { changedInputs, compareFirstOrder, type Resolved } from './compare';
import { checkedArguments, evaluateTensor, randomTensor, resolveNumeric, type CheckedFunction } from './numeric';
import { emptyReport, GradCheckError, mergeReport, type GradReport } from './report';
import { blameOps, userSite, type Checker } from './blame';

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
  /**
   * 2 also checks second derivatives: finite differences of the reverse-mode gradient ⟨u, ∂f⟩, and
   * (when forward mode is checked) of the forward-mode directional derivative ⟨u, J·v⟩.
   */
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

function positive(op: string, name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value === undefined ? fallback : value; // an explicit null is reported, not defaulted
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ValueError(`${op}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${String(value)}`);
  }
  return v;
}

function requireTolerance(op: string, value: unknown): 'fixed' | 'auto' {
  if (value === undefined || value === 'fixed' || value === 'auto') return value ?? 'fixed';
  throw new ValueError(`${op}: tolerance must be 'fixed' or 'auto', got ${describe(value)}`);
}

/** A value as a message shows it: strings quoted, so that '2' does not read as 2. */
function describe(value: unknown): string {
  return typeof value === 'string' || Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function requireModes(op: string, value: unknown): readonly ('rev' | 'fwd')[] {
  const modes = value === undefined ? ['rev', 'fwd'] : value;
  if (!Array.isArray(modes) || modes.some((m) => m !== 'rev' && m !== 'fwd')) {
    throw new ValueError(`${op}: modes must list 'rev' and/or 'fwd', got ${describe(modes)}`);
  }
  if (modes.length === 0) throw new ValueError(`${op}: modes is empty, so there is nothing to check: give 'rev' and/or 'fwd'`);
  return modes;
}

/**
 * Fills in the defaults and rejects options that would make the check meaningless, in messages
 * naming `op`: checkGrad, or checkModule and gradProperty, which check their options up front.
 */
export function resolveOptions(options: CheckOptions, op = 'checkGrad'): Resolved {
  const { eps, method } = resolveNumeric(options, op);
  const order = options.order === undefined ? 1 : options.order;
  if (order !== 1 && order !== 2) throw new ValueError(`${op}: order must be 1 or 2, got ${describe(order)}`);
  if (options.blame !== undefined && typeof options.blame !== 'boolean') {
    throw new ValueError(`${op}: blame must be true or false, got ${describe(options.blame)}`);
  }
  return {
    caller: op,
    eps,
    atol: positive(op, 'atol', options.atol, 1e-5, true),
    rtol: positive(op, 'rtol', options.rtol, 1e-3, true),
    modes: requireModes(op, options.modes),
    order,
    maxElements: positive(op, 'maxElements', options.maxElements, 200, true),
    projections: Math.max(1, Math.floor(positive(op, 'projections', options.projections, 3))),
    seed: requireSeed(op, options.seed === undefined ? 0 : options.seed),
    method,
    tolerance: requireTolerance(op, options.tolerance),
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
export function checkGrad(f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options?: CheckOptions): GradReport {
  return checkGradAs('checkGrad', f, inputs, options);
}

/** checkGrad on behalf of `caller` (checkModule, gradProperty), whose name its messages carry. */
export function checkGradAs(caller: string, f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options?: CheckOptions): GradReport {
  const given = requireOptions(caller, options);
  const opts = resolveOptions(given, caller);
  const originals = checkedArguments(caller, f, inputs);
  if (originals.length === 0) throw new ValueError(`${caller}: the list of inputs is empty, so there is nothing to check: give one tensor per argument of the function`);
  // f and its rules only ever see copies: one that writes into its input cannot change the
  // caller's tensors, and is caught by comparing the copies with these values.
  const reference = originals.map((x) => x.data.slice());
  const xs = copies(originals);
  // Evaluated outside any guard, so a function that cannot even run throws here, as the user's error.
  const outShape = deterministicOutput(caller, f, xs, reference).shape;
  const report = checkResolved(f, xs, outShape, opts, reference);
  if (given.blame === true) {
    const check: Checker = (g, ys, order) => {
      const zs = copies(ys);
      return checkResolved(g, zs, evaluateTensor(g, zs, caller).shape, { ...opts, order }, ys.map((y) => y.data.slice()));
    };
    if (report.ok) report.blame = null;
    else {
      const { blame, kink } = blameOps(f, copies(originals), opts.order, check, userSite());
      report.blame = blame;
      if (kink !== null) report.kink = kink;
    }
  }
  return report;
}

/**
 * `f` at `xs`, evaluated twice: finite differences of a function that differs between calls at the
 * same point (random numbers drawn inside it, dropout in training mode) measure noise, so that is a
 * ValueError naming `caller` rather than a list of mismatches. When `f` changed its inputs (see
 * `reference`), the calls were at different points: that is reported by the check as 'mutated'.
 */
function deterministicOutput(caller: string, f: CheckedFunction, xs: readonly Tensor[], reference: readonly Float64Array[]): Tensor {
  const unchanged = (): boolean => xs.every((x, k) => x.data.every((v, j) => Object.is(v, reference[k]![j])));
  const first = evaluateTensor(f, xs, caller);
  const values = first.data.slice();
  if (!unchanged()) return first;
  const second = evaluateTensor(f, xs, caller);
  if (!unchanged()) return first;
  const i = values.findIndex((v, n) => !Object.is(second.data[n], v));
  if (!sameShape(first.shape, second.shape) || i >= 0) {
    const differs = sameShape(first.shape, second.shape)
      ? `output element ${i} was ${values[i]} and then ${second.data[i]}`
      : `its output had shape ${formatShape(first.shape)} and then ${formatShape(second.shape)}`;
    throw new ValueError(
      `${caller}: the function is not deterministic: evaluated twice at the same inputs, ${differs}. ` +
      'Finite differences of it would measure noise: fix the seed of random numbers drawn inside it, or put dropout in eval mode',
    );
  }
  return first;
}

/** Fresh tensors holding the same values (no graph, no gradient): what f is handed. */
function copies(xs: readonly Tensor[]): Tensor[] {
  return xs.map((x) => new Tensor(x.data.slice(), x.shape));
}

/**
 * checkGrad with its options resolved and the output's shape known; `reference` holds the values
 * `xs` must keep throughout (a change is a failure, see changedInputs).
 */
function checkResolved(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, reference: readonly Float64Array[]): GradReport {
  const report = compareFirstOrder(f, xs, outShape, opts, 1, reference);
  if (opts.order === 2) {
    const u = randomTensor(outShape, new Rng(derivedSeed(opts.seed, 1)));
    xs.forEach((_, k) => mergeReport(report, checkGradientOf(f, xs, k, u, opts, reference)));
    if (opts.modes.includes('fwd')) mergeReport(report, checkDirectional(f, xs, outShape, opts, reference));
  }
  // Anything a guard cut short, or a throw in a gradient's own evaluation, can still have changed them.
  for (const failure of changedInputs(xs, reference, 'rev', opts.order)) report.failures.push(failure);
  report.ok = report.failures.length === 0;
  return report;
}

/** A seed of its own for each random draw of the check, derived from the user's (kept a safe integer). */
function derivedSeed(seed: number, offset: number): number {
  return Number.isSafeInteger(seed + offset) ? seed + offset : seed - offset;
}

/**
 * Second order for input k: the reverse-mode gradient G(x) = (Jᵀu)_k is itself a function, and its
 * own derivatives (reverse over reverse, forward over reverse) are compared with finite differences
 * of G. A rule that is right to first order but not differentiable (it used `detach`) fails here.
 */
function checkGradientOf(f: CheckedFunction, xs: readonly Tensor[], k: number, u: Tensor, opts: Resolved, reference: readonly Float64Array[]): GradReport {
  const gradient: CheckedFunction = (...ys) => vjp(f, ...ys)[1](u)[k]!;
  const sub = compareOrGuard(() => compareFirstOrder(gradient, xs, evaluateTensor(gradient, xs, opts.caller).shape, opts, 2, reference));
  for (const failure of sub.failures) failure.gradientOf = k;
  return sub;
}

/**
 * Random directions per input for the directional check: one suffices to see a JVP rule that is not
 * differentiable (its derivative is wrong along almost every direction), and each costs six
 * evaluations of the directional derivative with `tolerance: 'auto'`.
 */
const DIRECTIONAL_PROJECTIONS = 1;

/**
 * Second order of the forward-mode rules: the directional derivative H(x) = ⟨u, J(x)·v⟩ for random
 * u and v (one tangent per input) is a scalar function whose own derivatives (reverse over forward,
 * forward over forward) are compared with finite differences of H along one random direction per
 * input: a JVP rule right in value but not differentiable (it used `detach`) fails here. Its cost
 * is a few evaluations of H, whatever the size of the inputs.
 */
function checkDirectional(f: CheckedFunction, xs: readonly Tensor[], outShape: readonly number[], opts: Resolved, reference: readonly Float64Array[]): GradReport {
  const rng = new Rng(derivedSeed(opts.seed, 2));
  const u = randomTensor(outShape, rng);
  const vs = xs.map((x) => randomTensor(x.shape, rng));
  const directional: CheckedFunction = (...ys) => jvp(f, ys, vs)[1].mul(u).sum();
  const projections = { ...opts, seed: derivedSeed(opts.seed, 3), projections: DIRECTIONAL_PROJECTIONS };
  const sub = compareOrGuard(() => compareFirstOrder(directional, xs, [], projections, 2, reference, true));
  for (const failure of sub.failures) failure.directional = true;
  return sub;
}

/**
 * Runs a second-order comparison; when the function compared cannot itself be computed (a rule
 * threw), that is already a first-order failure, and nothing can be said about its derivatives.
 */
function compareOrGuard(run: () => GradReport): GradReport {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const sub = emptyReport();
    sub.failures.push({ input: -1, index: -1, outputIndex: -1, mode: 'rev', order: 2, analytic: NaN, numeric: NaN, reason: 'error', message: e.message });
    sub.ok = false;
    return sub;
  }
}

/**
 * Like {@link checkGrad}, but throws a {@link GradCheckError} whose message names, for the worst
 * failures, the input, element, mode, order and the analytic and numeric values.
 */
export function assertGrad(f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options?: CheckOptions): GradReport {
  const report = checkGrad(f, inputs, options);
  if (!report.ok) throw new GradCheckError(report);
  return report;
}
