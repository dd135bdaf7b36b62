/**
 * The adjoint test: the tangent rule (jvp) and the adjoint rule (vjp) of every op are transposes of
 * each other. For random u and v, ⟨u, J v⟩ from forward mode equals ⟨Jᵀu, v⟩ from reverse mode to
 * 1e-12 (relative to the size of the terms summed). No finite differences are involved, so this holds
 * far more tightly than checkGrad's tolerances, and at kinks and ties too: both rules must pick the
 * same one-sided derivative there.
 */
import fc from 'fast-check';
import { cos, jvp, mul, registeredOps, vjp, type DifferentiableOp, type OpCase, type Tensor } from '@adjoint/core';
import { arb, opCaseFunction } from '@adjoint/gradcheck';
import { registerSin } from './testing/sin-with-rules';

const ops = registeredOps().filter((op): op is DifferentiableOp<unknown> => op.kind === 'differentiable');
const unitBox = { min: -1, max: 1 };

function dotTerms(a: Float64Array, b: Float64Array): { value: number; magnitude: number } {
  let value = 0;
  let magnitude = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i]! * b[i]!;
    magnitude += Math.abs(a[i]! * b[i]!);
  }
  return { value, magnitude };
}

/** Inputs from the op's domains, and u, v from [−1, 1]: u for the output, one v per differentiable input. */
function caseArbitrary(op: DifferentiableOp<unknown>, c: OpCase<unknown>) {
  const domains = c.domains ?? op.domain.inputs;
  const diff = c.shapes.map((_, i) => i).filter((i) => !op.nondiff?.includes(i));
  const outShape = op.shape(c.shapes, c.attrs);
  return fc.record({
    inputs: fc.tuple(...c.shapes.map((shape, i) => arb.tensor({ shape, domain: domains[Math.min(i, domains.length - 1)]! }))),
    u: arb.tensor({ shape: outShape, domain: unitBox }),
    v: fc.tuple(...diff.map((i) => arb.tensor({ shape: c.shapes[i]!, domain: unitBox }))),
  });
}

/** Asserts the identity for one case at drawn inputs, u and v; throws a message naming the case otherwise. */
function assertAdjoint(op: DifferentiableOp<unknown>, c: OpCase<unknown>, caseIndex: number, inputs: readonly Tensor[], u: Tensor, v: readonly Tensor[]): void {
  const { f, diff } = opCaseFunction(op, c, inputs);
  const xs = diff.map((i) => inputs[i]!);
  const forward = dotTerms(u.data, jvp(f, xs, v)[1].data);
  const reverse = vjp(f, ...xs)[1](u).map((g, k) => dotTerms(g.data, v[k]!.data));
  const value = reverse.reduce((s, r) => s + r.value, 0);
  const magnitude = Math.max(1, forward.magnitude, ...reverse.map((r) => r.magnitude));
  if (!(Math.abs(forward.value - value) <= 1e-12 * magnitude)) {
    throw new Error(`${op.name} case ${caseIndex} ${JSON.stringify(c.shapes)}: ⟨u, Jv⟩ = ${forward.value} but ⟨Jᵀu, v⟩ = ${value}`);
  }
}

function checkOp(op: DifferentiableOp<unknown>, numRuns: number): void {
  op.domain.cases.forEach((c, caseIndex) => {
    fc.assert(
      fc.property(caseArbitrary(op, c), ({ inputs, u, v }) => assertAdjoint(op, c, caseIndex, inputs as Tensor[], u, v as Tensor[])),
      { numRuns, seed: caseIndex + 1, includeErrorInReport: true },
    );
  });
}

describe('adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ for every registered op', () => {
  it('finds the ops', () => expect(ops.length).toBeGreaterThan(30));

  it.each(ops.map((op) => [op.name, op] as const))('%s', (_name, op) => checkOp(op, 15));

  it('fails for an op whose JVP is not the transpose of its VJP', () => {
    // Registered here, after the list above was taken, so that it is not among the ops checked.
    const op = registerSin('gradcheckTest.mismatchedRules', { jvp: (t, x) => mul(mul(t, cos(x)), 1 + 1e-9) }, [3], { min: -1, max: 1 });
    expect(() => checkOp(op as DifferentiableOp<unknown>, 15)).toThrow(/gradcheckTest.mismatchedRules case 0 \[\[3\]\]: ⟨u, Jv⟩ = \S+ but ⟨Jᵀu, v⟩ = \S+/);
  });
});
