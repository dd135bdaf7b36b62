/**
 * Blame: when a function's derivatives disagree with finite differences, which of its ops has the
 * wrong rule? The function is run again with every op recorded (core's recordOps), and each op's own
 * rules are checked at the very inputs it was applied to, in evaluation order; the first that
 * disagrees is the one to look at. Each distinct op (same op, attributes and input shapes) is
 * checked once, so a graph of thousands of ops built from a few kinds costs a few checks.
 */
import { recordOps, type RecordedOp, type Tensor } from '@adjoint/core';
import type { CheckedFunction } from './numeric';
import type { GradReport, Mode } from './report';

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
}

/** Checks one function against finite differences with checkGrad's options (passed in, to avoid an import cycle). */
export type Checker = (f: CheckedFunction, inputs: Tensor[], order: 1 | 2) => GradReport;

/**
 * Runs `f` at `inputs` recording its ops, and checks each distinct op's rules at the inputs it was
 * recorded with (its data inputs, such as indices, held fixed; second order only where the op is
 * smooth). Returns the first op, in evaluation order, whose check fails, or null when every op's rule
 * holds (then the function itself is not differentiable where it was checked, or the tolerance is
 * too tight for it).
 */
export function blameOps(f: CheckedFunction, inputs: readonly Tensor[], order: 1 | 2, check: Checker): Blame | null {
  const { ops } = recordOps(f)(...inputs);
  const checked = new Set<string>();
  for (const op of ops) {
    if (checked.has(op.signature) || op.differentiable.length === 0) continue;
    checked.add(op.signature);
    const report = check(alone(op), op.differentiable.map((i) => op.inputs[i]!), op.smooth ? order : 1);
    if (!report.ok) return blameOf(op, report);
  }
  return null;
}

/** The op as a function of its differentiable inputs, its data inputs fixed at their recorded values. */
function alone(op: RecordedOp): CheckedFunction {
  return (...xs) => {
    const all = [...op.inputs];
    op.differentiable.forEach((i, k) => (all[i] = xs[k]!));
    return op.apply(...all);
  };
}

function blameOf(op: RecordedOp, report: GradReport): Blame {
  const first = report.failures[0]!;
  let maxAbsErr = 0;
  let worst = first;
  for (const f of report.failures) {
    const err = f.reason === 'mismatch' ? Math.abs(f.analytic - f.numeric) : Number.POSITIVE_INFINITY;
    if (err > maxAbsErr) [maxAbsErr, worst] = [err, f];
  }
  return {
    op: op.name,
    inputShapes: op.inputs.map((x) => [...x.shape]),
    site: op.site,
    mode: first.mode,
    order: report.failures.every((f) => f.order === 2) ? 2 : 1,
    maxAbsErr,
    ...(worst.estimatedErr === undefined ? {} : { estimatedErr: worst.estimatedErr }),
  };
}
