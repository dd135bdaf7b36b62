/** The result of a gradient check as data, and its readable form. */
import { AdjointError } from '@adjoint/core';
import type { Blame, Kink } from './blame';

/** Which differentiation mode produced an analytic value. */
export type Mode = 'rev' | 'fwd';

/** One disagreement between an analytic and a numeric derivative. */
export interface GradFailure {
  /** Which input (argument position) was perturbed, or -1 when the failure concerns all of them. */
  input: number;
  /** Flat element index in that input, or -1 for a random projection or a rule that threw. */
  index: number;
  /** Flat output element index, or -1 for a projection or a rule that threw. */
  outputIndex: number;
  mode: Mode;
  /** 1: first derivatives of `f`. 2: derivatives of its reverse-mode gradient. */
  order: 1 | 2;
  analytic: number;
  numeric: number;
  /**
   * Why it failed: out of tolerance, not finite, the rule threw (then `message` says what), the
   * two backward paths differ (`analytic` from Tensor.backward, `numeric` from vjp; see
   * checkBackwardPaths), finite differences could not estimate the derivative there
   * ('unreliable', `tolerance: 'auto'` only: its estimated error is comparable to the value, even
   * with a smaller step; `message` gives the estimate), or the function or one of its rules changed
   * an input in place ('mutated': `index` is the first changed element, `numeric` its value before
   * and `analytic` after; or, with `input` −1, a rule changed the cotangent it was given, whose
   * element is `outputIndex`; in forward mode, a tangent of input `input`), the same (co)tangent
   * at the same point gave two different values ('nondeterministic': `numeric` is the first,
   * `analytic` the second; `index` is the element of the input's cotangent, or in forward mode
   * `outputIndex` that of the output's tangent), or the rule is not linear in its cotangent (tangent): at a random
   * −2·w it disagrees with what it gave at each unit one ('nonlinear': `analytic` is what it gave,
   * `numeric` the finite differences' same combination; `outputIndex` is −1 in reverse mode,
   * `index` in forward mode).
   */
  reason: 'mismatch' | 'non-finite' | 'error' | 'paths' | 'unreliable' | 'mutated' | 'nonlinear' | 'nondeterministic';
  message?: string;
  /**
   * With `tolerance: 'auto'`: the finite difference's own estimated error (truncation plus
   * rounding); the value failed because it differed by more than AUTO_SAFETY (10) times this.
   */
  estimatedErr?: number;
  /**
   * Order 2 only: the input whose reverse-mode gradient was differentiated; `outputIndex` is then an
   * element of that gradient.
   */
  gradientOf?: number;
  /**
   * Order 2 only: true when what was differentiated is the forward-mode directional derivative
   * x ↦ ⟨u, J(x)·v⟩ for random u, v (checked by random projections): its derivatives check that
   * the JVP rules are differentiable themselves.
   */
  directional?: boolean;
}

/** The result of a check. */
export interface GradReport {
  ok: boolean;
  /** Largest |analytic − numeric| over the finite values compared. */
  maxAbsErr: number;
  /** Largest |analytic − numeric| / max(|numeric|, atol) over the finite values compared. */
  maxRelErr: number;
  failures: GradFailure[];
  /** Number of derivative values compared. */
  compared: number;
  /**
   * With `{blame: true}`: the first op, in evaluation order, whose own rule disagrees with finite
   * differences at the inputs it was applied to, or null when none does (or the check passed).
   */
  blame?: Blame | null;
  /**
   * With `{blame: true}`, when `blame` is null because an op's check failed only where it is not
   * differentiable: the first such op, and the element along which its one-sided derivatives differ.
   */
  kink?: Kink;
}

/** A report with nothing compared yet. */
export function emptyReport(): GradReport {
  return { ok: true, maxAbsErr: 0, maxRelErr: 0, failures: [], compared: 0 };
}

/** Adds the counts, failures and error maxima of `from` to `into`. */
export function mergeReport(into: GradReport, from: GradReport): void {
  for (const f of from.failures) into.failures.push(f); // not push(...): a report may hold millions
  into.maxAbsErr = Math.max(into.maxAbsErr, from.maxAbsErr);
  into.maxRelErr = Math.max(into.maxRelErr, from.maxRelErr);
  into.compared += from.compared;
  into.ok = into.failures.length === 0;
}

/** How bad a failure is, for sorting: errors and non-finite values first, then by absolute error. */
function severity(f: GradFailure): number {
  if (f.reason !== 'mismatch') return Number.POSITIVE_INFINITY;
  return Math.abs(f.analytic - f.numeric);
}

/** One failure as a line: where (input, element, output, mode, order) and what (the two values). */
export function formatFailure(f: GradFailure): string {
  const parameter = (f as { parameter?: string }).parameter; // checkModule's failures name their parameter
  const input = parameter !== undefined && parameter !== '*' ? `parameter '${parameter}'` : f.input < 0 ? 'all inputs' : `input ${f.input}`;
  const where =
    f.reason === 'error' || (f.reason === 'mutated' && f.input < 0) ? '' : f.index < 0 ? (f.outputIndex < 0 ? ', random projection' : `, output ${f.outputIndex}`)
    : f.outputIndex < 0 ? `, element ${f.index}` : `, element ${f.index}, output ${f.outputIndex}`;
  const gradientOf = (f as { gradientOfParameter?: string }).gradientOfParameter ?? (f.gradientOf === undefined ? undefined : `input ${f.gradientOf}`);
  const of = gradientOf !== undefined ? ` (of the gradient w.r.t. ${gradientOf})` : f.directional === true ? ' (of the directional derivative ⟨u, J·v⟩)' : '';
  const what =
    f.reason === 'error'
      ? `threw: ${f.message ?? 'unknown error'}`
      : f.reason === 'paths' || f.reason === 'mutated' || f.reason === 'nonlinear' || f.reason === 'nondeterministic'
      ? `${f.message ?? f.reason}`
      : f.reason === 'unreliable'
      ? `analytic ${f.analytic}, but ${f.message ?? 'finite differences could not estimate the derivative here'}`
      : `analytic ${f.analytic} vs numeric ${f.numeric}` +
        (f.reason === 'non-finite' ? ' (not finite)' : `, error ${Math.abs(f.analytic - f.numeric).toExponential(2)}`) +
        (f.estimatedErr === undefined ? '' : ` (finite-difference error estimated at ${f.estimatedErr.toExponential(2)})`);
  return `${input}${where}${of}, ${f.mode} mode, order ${f.order}: ${what}`;
}

/** The report as readable lines, worst elements first (at most `limit` of them), then the blame if one was sought. */
export function formatReport(report: GradReport, limit = 10): string {
  if (report.failures.length === 0) {
    return `gradients agree (${report.compared} values compared, max abs err ${report.maxAbsErr.toExponential(2)}, max rel err ${report.maxRelErr.toExponential(2)})`;
  }
  // A stable sort keeps the check's own order (input, element, output) among equally bad failures.
  const worst = [...report.failures].sort((a, b) => severity(b) - severity(a) || 0);
  const lines = worst.slice(0, limit).map((f) => `  ${formatFailure(f)}`);
  const more = worst.length > limit ? `\n  … and ${worst.length - limit} more` : '';
  // These are findings about the function and its rules, not compared values.
  const findings = new Set<GradFailure['reason']>(['mutated', 'nonlinear', 'nondeterministic']);
  const values = report.failures.filter((f) => !findings.has(f.reason)).length;
  const others = report.failures.length - values;
  const counts = [values > 0 ? `${values} of ${report.compared} values disagree` : '', others > 0 ? `${others} other finding${others === 1 ? '' : 's'}` : ''].filter((c) => c !== '');
  return `gradient check failed: ${counts.join('; ')}\n${lines.join('\n')}${more}${formatBlame(report.blame, report.kink)}`;
}

/** What the blame line says of an op whose worst failure is not a value off by some amount (its error is then ∞). */
const BLAMED_FOR: Partial<Record<GradFailure['reason'], string>> = {
  'error': 'its rule threw',
  'non-finite': 'a value is not finite',
  'mutated': 'it changes what it was given in place (its (co)tangent or an input)',
  'nondeterministic': 'its rule gives different values for the same arguments',
};

/** The blame as a paragraph of its own ('' when none was sought). */
function formatBlame(blame: Blame | null | undefined, kink: Kink | undefined): string {
  if (blame === undefined) return '';
  if (blame === null && kink !== undefined) {
    const shapes = kink.inputShapes.map((s) => `[${s.join(', ')}]`).join(', ');
    return `\nblame: no rule is at fault: '${kink.op}' (inputs ${shapes})${kink.site === null ? '' : ` at ${kink.site}`} was applied where ` +
      `it is not differentiable (a kink or a tie: its one-sided derivatives along input ${kink.input}, element ${kink.index} differ), ` +
      'so finite differences there measure neither side';
  }
  if (blame === null) {
    return '\nblame: every op\'s own rule agrees with finite differences where it was applied, so no rule is at fault: ' +
      'the function is not differentiable there (a kink, a tie), or the tolerance is too tight for it';
  }
  const shapes = blame.inputShapes.map((s) => `[${s.join(', ')}]`).join(', ');
  const estimate = blame.estimatedErr === undefined ? '' : ` (finite-difference error estimated at ${blame.estimatedErr.toExponential(2)})`;
  const what = BLAMED_FOR[blame.reason] ?? `max abs error ${blame.maxAbsErr.toExponential(2)}${estimate}`;
  return `\nblame: the rule of '${blame.op}' (inputs ${shapes})${blame.site === null ? '' : ` at ${blame.site}`} is wrong: ` +
    `${blame.mode} mode, order ${blame.order}, ${what}`;
}

/** Thrown by `assertGrad`: carries the report, its message lists the worst failures. */
export class GradCheckError extends AdjointError {
  constructor(readonly report: GradReport) {
    super(formatReport(report));
  }
}
