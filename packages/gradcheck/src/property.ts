/** gradProperty: "the derivatives of f are right at every input these arbitraries draw", for fast-check. */
import fc from 'fast-check';
import { Tensor, ValueError, formatShape, requireOptions } from '@adjoint/core';
import { checkGradAs, resolveOptions, type CheckOptions } from './check';
import { isArbitrary } from './arb';
import { formatReport, type GradFailure } from './report';
import { AUTO_SAFETY } from './compare';
import type { CheckedFunction } from './numeric';

/** Thrown inside a property when the check fails; fast-check shows it with the shrunk counterexample. */
export class GradPropertyError extends Error {
  override name = 'GradPropertyError';
}

/** The inputs a drawn value stands for: a tensor, or a list of them (from `arb.tensors`), spread. */
function flattenInputs(values: readonly unknown[]): Tensor[] {
  return values.flatMap((v, i) => {
    const list = Array.isArray(v) ? v : [v];
    for (const t of list) {
      if (!(t instanceof Tensor)) throw new ValueError(`gradProperty: arbitrary ${i} must produce a Tensor or a list of Tensors, got ${typeof t}`);
    }
    return list as Tensor[];
  });
}

function describeInputs(inputs: readonly Tensor[]): string {
  return inputs.map((x, i) => `  input ${i}: shape ${formatShape(x.shape)} ${JSON.stringify(x.toArray())}`).join('\n');
}

/**
 * A fast-check property asserting that `checkGrad(f, inputs, options).ok` for every draw. Each
 * arbitrary yields one input or a list of inputs (as `arb.tensors` does); they are passed to `f` in
 * order. The last argument may be checkGrad's options, with `margin` (see {@link PropertyOptions}):
 * a draw fails only by a clear margin, so counterexamples shrink to inputs where the rule is plainly
 * wrong. On failure the thrown message lists the inputs, the worst elements and the op to blame.
 *
 * @example
 * fc.assert(gradProperty((x) => x.tanh().sum(), arb.tensor({ min: -3, max: 3 })), { numRuns: 50 });
 */
export function gradProperty(f: CheckedFunction, ...args: [...arbitraries: fc.Arbitrary<Tensor | Tensor[]>[], options: PropertyOptions]): fc.IPropertyWithHooks<[unknown[]]>;
export function gradProperty(f: CheckedFunction, ...arbitraries: fc.Arbitrary<Tensor | Tensor[]>[]): fc.IPropertyWithHooks<[unknown[]]>;
export function gradProperty(f: CheckedFunction, ...args: unknown[]): fc.IPropertyWithHooks<[unknown[]]> {
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && !isArbitrary(last);
  const options = requireOptions<CheckOptions>('gradProperty', (hasOptions ? last : undefined) as CheckOptions | undefined);
  const arbitraries = (hasOptions ? args.slice(0, -1) : args) as fc.Arbitrary<unknown>[];
  if (arbitraries.length === 0 || !arbitraries.every(isArbitrary)) {
    throw new ValueError('gradProperty: needs at least one fast-check arbitrary after the function (options, if any, last)');
  }
  const { margin = DEFAULT_MARGIN, ...checkOptions } = options as PropertyOptions;
  if (typeof margin !== 'number' || !(margin >= 1) || !Number.isFinite(margin)) {
    throw new ValueError(`gradProperty: margin must be a finite number ≥ 1, got ${String(margin)}`);
  }
  resolveOptions(checkOptions, 'gradProperty'); // a bad option is named now, as gradProperty's, not at the first draw
  // One tuple arbitrary keeps the typing simple: fc.property's variadic form needs a literal tuple.
  return fc.property(fc.tuple(...arbitraries), (values) => {
    const inputs = flattenInputs(values);
    const report = checkGradAs('gradProperty', f, inputs, checkOptions);
    if (report.ok || !report.failures.some((failure) => clear(failure, checkOptions, margin))) return;
    const explained = checkOptions.blame === false ? report : checkGradAs('gradProperty', f, inputs, { ...checkOptions, blame: true });
    throw new GradPropertyError(`${formatReport(explained, 5)}\nat\n${describeInputs(inputs)}`);
  });
}

/** A draw fails only when a value misses by more than this many times its tolerance (see {@link PropertyOptions}). */
const DEFAULT_MARGIN = 4;

/** Options of {@link gradProperty}: checkGrad's, and the margin a failure must clear. */
export interface PropertyOptions extends CheckOptions {
  /**
   * A draw counts as a counterexample only when some value misses by more than `margin` times its
   * tolerance (or is not finite, or its rule threw); default 4. A wrong rule misses by far more;
   * without a margin, fast-check would shrink towards inputs at the edge of the tolerance, where
   * finite differences decide the verdict.
   */
  margin?: number;
}

/** Whether a failure misses by more than `margin` times what was allowed. */
function clear(failure: GradFailure, options: CheckOptions, margin: number): boolean {
  if (failure.reason !== 'mismatch') return true;
  const miss = Math.abs(failure.analytic - failure.numeric);
  const allowed = failure.estimatedErr !== undefined
    ? AUTO_SAFETY * failure.estimatedErr
    : (options.atol ?? 1e-5) + (options.rtol ?? 1e-3) * Math.abs(failure.numeric);
  return miss > margin * allowed;
}
