/**
 * Blame: when a function's derivatives disagree with finite differences, which of its ops has the
 * wrong rule? The function is run again with every op recorded (core's recordOps), and each op's own
 * rules are checked at the very inputs it was applied to, in evaluation order; the first that
 * disagrees is the one to look at. Each distinct op (same op, attributes and input shapes) is
 * checked once, so a graph of thousands of ops built from a few kinds costs a few checks; before
 * concluding that no rule is at fault, the other applications are checked too (up to a bound). An
 * op whose check fails only because it was applied at a kink (one-sided differences disagree) is
 * not blamed: the function is not differentiable there.
 */
import { Tensor, noGrad, recordOps, type RecordedOp } from '@adjoint/core';
import type { CheckedFunction } from './numeric';
import type { GradFailure, GradReport, Mode } from './report';

/** The op that blame found at fault (see checkGrad's `blame` option). */
export interface Blame {
  /** Its registered name, or a customVjp / customJvp function's name ('customVjp' / 'customJvp' when anonymous). */
  op: string;
  /** The shapes of its inputs. */
  inputShapes: number[][];
  /** Where it was applied (`file:line`), when the runtime's stack traces say. */
  site: string | null;
  /** The mode of its first failing value. */
  mode: Mode;
  /** 1, or 2 when only its second derivatives are wrong. */
  order: 1 | 2;
  /** The largest |analytic − numeric| among its failing values (Infinity when one is not finite or its rule threw). */
  maxAbsErr: number;
  /** With `tolerance: 'auto'`: the finite difference's estimated error at its worst failing value. */
  estimatedErr?: number;
  /** Why its worst failing value failed (see GradFailure's `reason`): a mismatch, or, say, a rule that writes into its cotangent. */
  reason: GradFailure['reason'];
}

/** Checks one function against finite differences with checkGrad's options (passed in, to avoid an import cycle). */
export type Checker = (f: CheckedFunction, inputs: Tensor[], order: 1 | 2) => GradReport;

/** An op applied where it is not differentiable: the reason blame found no rule at fault. */
export interface Kink {
  /** The op, as in {@link Blame}. */
  op: string;
  inputShapes: number[][];
  site: string | null;
  /** The input and flat element along which its one-sided derivatives differ. */
  input: number;
  index: number;
}

/** What blame found: the op at fault, or none (then perhaps the kink that explains the failure). */
export interface BlameResult {
  blame: Blame | null;
  kink: Kink | null;
}

/** The most applications checked again, beyond the first of each signature, before blaming none. */
const MAX_RECHECKS = 200;

/**
 * Runs `f` at `inputs` recording its ops, and checks each distinct op's rules at the inputs it was
 * recorded with (its data inputs, such as indices, held fixed; second order only where the op is
 * smooth). Returns the first op, in evaluation order, whose check fails, or null when every op's rule
 * holds (then the function itself is not differentiable where it was checked, or the tolerance is
 * too tight for it). Only when the first application of each op passes are the others checked (up
 * to MAX_RECHECKS), as the same rule can be wrong at other values. A failure explained by a kink
 * is not blamed; the first such op is returned as `kink`. `site` names where the user called the
 * check, for an op that gradcheck itself applied (`f` is an op, passed directly).
 */
export function blameOps(f: CheckedFunction, inputs: readonly Tensor[], order: 1 | 2, check: Checker, site: string | null): BlameResult {
  const { ops } = recordOps(f)(...inputs);
  const candidates = ops.filter((op) => op.differentiable.length > 0);
  const seen = new Set<string>();
  const first = candidates.filter((op) => !seen.has(op.signature) && seen.add(op.signature));
  const firsts = new Set(first);
  const others = candidates.filter((op) => !firsts.has(op)).slice(0, MAX_RECHECKS);
  let kink: Kink | null = null;
  for (const op of [...first, ...others]) {
    const xs = op.differentiable.map((i) => op.inputs[i]!);
    const report = check(alone(op), xs, op.smooth ? order : 1);
    if (report.ok) continue;
    const at = kinkOf(op, report);
    if (at === null) return { blame: blameOf(op, report, site), kink };
    kink ??= { op: op.name, inputShapes: op.inputs.map((x) => [...x.shape]), site: siteOf(op, site), ...at };
  }
  return { blame: null, kink };
}

/** The op's site, or the user's call site when the op was applied by gradcheck's own code. */
function siteOf(op: RecordedOp, site: string | null): string | null {
  return op.site !== null && inGradcheck(op.site) ? site : op.site;
}

/** Whether a stack frame or `file:line` is gradcheck's own code (its sources, not its tests, or its bundle). */
function inGradcheck(frame: string): boolean {
  return (/[\\/]packages[\\/]gradcheck[\\/]src[\\/]/.test(frame) && !/\.test\.ts/.test(frame)) || /[\\/]gradcheck[\\/]dist[\\/]/.test(frame);
}

/** Whether a stack frame is core's own code (its sources, not its tests, or its bundle), as core's own caller.ts decides. */
function inCore(frame: string): boolean {
  return (/[\\/]packages[\\/]core[\\/]src[\\/]/.test(frame) && !/\.test\.ts/.test(frame)) || /[\\/]core[\\/]dist[\\/]/.test(frame);
}

/**
 * `file:line` of the first stack frame outside gradcheck, core and installed packages (fast-check,
 * jest): where the user called the check.
 */
export function userSite(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    if (inGradcheck(line) || inCore(line) || /node_modules|node:internal/.test(line)) continue;
    const match = /\(?([^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
    if (match) return `${match[1]}:${match[2]}`;
  }
  return null;
}

/**
 * Whether the op's first-order failures all lie along elements where it is not differentiable:
 * there its one-sided difference quotients (f(x + h·eⱼ) − f(x))/h and (f(x) − f(x − h·eⱼ))/h differ
 * by a jump that does not shrink with h (at a smooth point the gap is about h·|f''|, and shrinks
 * tenfold with h). Returns the first such element, or null when some failure is not explained so.
 */
function kinkOf(op: RecordedOp, report: GradReport): { input: number; index: number } | null {
  const failing = report.failures.filter((f) => f.order === 1 && f.index >= 0 && (f.reason === 'mismatch' || f.reason === 'unreliable'));
  // Second-order failures come with the first-order ones at a kink (the gradient jumps there), so
  // only the first-order ones decide; a rule failing at second order alone is no kink.
  if (failing.length === 0 || failing.length < report.failures.filter((f) => f.order === 1).length) return null;
  const g = alone(op);
  const xs = op.differentiable.map((i) => op.inputs[i]!);
  const elements = [...new Map(failing.map((f) => [`${f.input}:${f.index}`, { input: f.input, index: f.index }])).values()];
  return elements.every(({ input, index }) => isKink(g, xs, input, index)) ? elements[0]! : null;
}

/** Whether `g` has a jump in its derivative at `xs` along element `index` of input `k` (see kinkOf). */
function isKink(g: CheckedFunction, xs: readonly Tensor[], k: number, index: number): boolean {
  const at = (s: number): Float64Array => noGrad(() => g(...xs.map((x, m) => (m === k ? moved(x, index, s) : x)))).data;
  const centre = at(0);
  const gap = (h: number): { jump: number; size: number } => {
    const [plus, minus] = [at(h), at(-h)];
    let jump = 0;
    let size = 0;
    for (let i = 0; i < centre.length; i++) {
      const right = (plus[i]! - centre[i]!) / h;
      const left = (centre[i]! - minus[i]!) / h;
      jump = Math.max(jump, Math.abs(right - left));
      size = Math.max(size, Math.abs(right), Math.abs(left));
    }
    return { jump, size };
  };
  const h = 1e-5 * Math.max(1, Math.abs(xs[k]!.data[index]!));
  const coarse = gap(h);
  const fine = gap(h / 10);
  return fine.jump > 1e-3 * fine.size && fine.jump > 0.5 * coarse.jump;
}

function moved(x: Tensor, index: number, s: number): Tensor {
  const data = x.data.slice();
  data[index]! += s;
  return new Tensor(data, x.shape);
}

/** The op as a function of its differentiable inputs, its data inputs fixed at their recorded values. */
function alone(op: RecordedOp): CheckedFunction {
  return (...xs) => {
    const all = [...op.inputs];
    op.differentiable.forEach((i, k) => (all[i] = xs[k]!));
    return op.apply(...all);
  };
}

function blameOf(op: RecordedOp, report: GradReport, site: string | null): Blame {
  const first = report.failures[0]!;
  let maxAbsErr = 0;
  let worst = first;
  for (const f of report.failures) {
    const err = f.reason === 'mismatch' || f.reason === 'nonlinear' ? Math.abs(f.analytic - f.numeric) : Number.POSITIVE_INFINITY;
    if (err > maxAbsErr) [maxAbsErr, worst] = [err, f];
  }
  return {
    op: op.name,
    inputShapes: op.inputs.map((x) => [...x.shape]),
    site: siteOf(op, site),
    mode: first.mode,
    order: report.failures.every((f) => f.order === 2) ? 2 : 1,
    maxAbsErr,
    reason: worst.reason,
    ...(worst.estimatedErr === undefined ? {} : { estimatedErr: worst.estimatedErr }),
  };
}
