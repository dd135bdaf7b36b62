/** gradProperty: "the derivatives of f are right at every input these arbitraries draw", for fast-check. */
import fc from 'fast-check';
import { Tensor, ValueError, formatShape } from '@adjoint/core';
import { checkGrad, type CheckOptions } from './check';
import { isArbitrary } from './arb';
import { formatReport } from './report';
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
 * order. The last argument may be checkGrad's options. On failure the thrown message lists the
 * inputs and the worst elements.
 *
 * @example
 * fc.assert(gradProperty((x) => x.tanh().sum(), arb.tensor({ min: -3, max: 3 })), { numRuns: 50 });
 */
export function gradProperty(f: CheckedFunction, ...args: [...arbitraries: fc.Arbitrary<Tensor | Tensor[]>[], options: CheckOptions]): fc.IPropertyWithHooks<[unknown[]]>;
export function gradProperty(f: CheckedFunction, ...arbitraries: fc.Arbitrary<Tensor | Tensor[]>[]): fc.IPropertyWithHooks<[unknown[]]>;
export function gradProperty(f: CheckedFunction, ...args: unknown[]): fc.IPropertyWithHooks<[unknown[]]> {
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && !isArbitrary(last);
  const options = (hasOptions ? last : {}) as CheckOptions;
  const arbitraries = (hasOptions ? args.slice(0, -1) : args) as fc.Arbitrary<unknown>[];
  if (arbitraries.length === 0 || !arbitraries.every(isArbitrary)) {
    throw new ValueError('gradProperty: needs at least one fast-check arbitrary after the function (options, if any, last)');
  }
  // One tuple arbitrary keeps the typing simple: fc.property's variadic form needs a literal tuple.
  return fc.property(fc.tuple(...arbitraries), (values) => {
    const inputs = flattenInputs(values);
    const report = checkGrad(f, inputs, options);
    if (!report.ok) throw new GradPropertyError(`${formatReport(report, 5)}\nat\n${describeInputs(inputs)}`);
  });
}
